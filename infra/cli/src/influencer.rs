//! `promo influencer ...`: registering influencers and their quotas.

use crate::cli::InfluencerCommand;
use crate::output::{num, table};
use anyhow::Context;
use comfy_table::Cell;
use promo_store::Store;

/// Runs an influencer subcommand.
pub async fn run(store: &Store, command: InfluencerCommand) -> anyhow::Result<()> {
    match command {
        InfluencerCommand::Add {
            campaign,
            id,
            name,
            quota,
            fallback,
        } => {
            let mut inf = store
                .add_influencer(&campaign, id, &name, quota)
                .await
                .context("adding the influencer")?;
            if fallback {
                inf = store
                    .set_influencer_fallback(&campaign, &inf.id, true)
                    .await
                    .context("turning fallback on")?;
            }
            match inf.quota {
                Some(q) => {
                    println!(
                        "added influencer {} to {campaign}: quota {q}, {} codes reserved now",
                        inf.id, inf.backed
                    );
                    if inf.unbacked() > 0 {
                        println!(
                            "the next {} imported codes go to their lane first",
                            inf.unbacked()
                        );
                    }
                }
                None => println!(
                    "added influencer {} to {campaign}: no quota, claims draw from the open lane \
                     until their own codes are imported (`promo codes import {campaign} <file> \
                     --influencer {}`)",
                    inf.id, inf.id
                ),
            }
        }
        InfluencerCommand::Edit {
            campaign,
            influencer,
            product_url,
            clear_product_url,
            quota,
        } => {
            if product_url.is_none() && !clear_product_url && quota.is_none() {
                anyhow::bail!(
                    "nothing to change: give --product-url <url>, --clear-product-url or --quota <n>"
                );
            }
            if let Some(quota) = quota {
                let inf = store
                    .set_influencer_quota(&campaign, &influencer, quota)
                    .await
                    .context("changing the quota")?;
                println!(
                    "{influencer}: quota {quota}, {} codes in their lane",
                    inf.backed
                );
            }
            if product_url.is_some() || clear_product_url {
                store
                    .set_influencer_product_url(&campaign, &influencer, product_url.as_ref())
                    .await
                    .context("changing the influencer")?;
                match product_url {
                    Some(_) => println!("{influencer}'s followers now get their own product link"),
                    None => {
                        println!("{influencer}'s followers now get the campaign's product page")
                    }
                }
            }
        }
        InfluencerCommand::Remove {
            campaign,
            influencer,
            keep_codes_out,
        } => {
            let (inf, moved) = store
                .remove_influencer(&campaign, &influencer, keep_codes_out)
                .await
                .context("removing the influencer")?;
            let whereto = if keep_codes_out || inf.own_codes {
                "kept out (reserve)"
            } else {
                "back in the shared pool"
            };
            println!(
                "removed {influencer} from {campaign}: their links claim nothing more; {moved} unissued codes {whereto}"
            );
        }
        InfluencerCommand::Fallback {
            campaign,
            influencer,
            setting,
        } => {
            let on = setting == "on";
            let inf = store
                .set_influencer_fallback(&campaign, &influencer, on)
                .await
                .context("setting fallback")?;
            if on {
                println!(
                    "when {}'s own codes are all claimed, their followers get codes from the shared pool (credited to them)",
                    inf.id
                );
            } else {
                println!(
                    "when {}'s own codes are all claimed, their followers are told so",
                    inf.id
                );
            }
        }
        InfluencerCommand::List { campaign } => {
            let list = store
                .list_influencers(&campaign)
                .await
                .context("listing influencers")?;
            if list.is_empty() {
                println!("no influencers in {campaign}; add one with `promo influencer add`");
                return Ok(());
            }
            let mut t = table(&[
                "influencer",
                "name",
                "quota",
                "reserved codes",
                "codes from",
            ]);
            for i in &list {
                let source = match (i.own_codes, i.fallback) {
                    (true, true) => "their own, then the pool",
                    (true, false) => "their own only",
                    (false, _) if i.quota.is_some() => "the pool (reserved)",
                    (false, _) => "the pool",
                };
                t.add_row(vec![
                    Cell::new(i.id.as_str()),
                    Cell::new(&i.name),
                    num(i.quota.map_or_else(|| "-".to_owned(), |q| q.to_string())),
                    num(i.backed),
                    Cell::new(source),
                ]);
            }
            println!("{t}");
        }
        InfluencerCommand::Link {
            campaign,
            influencer,
            bot,
            link_secret,
            page,
        } => {
            links(
                store,
                &campaign,
                influencer.as_ref(),
                bot.as_deref(),
                link_secret.as_deref(),
                &page,
            )
            .await?
        }
        InfluencerCommand::Invite {
            campaign,
            influencer,
            days,
            bot,
            link_secret,
        } => {
            invite(
                store,
                &campaign,
                &influencer,
                days,
                bot.as_deref(),
                link_secret.as_deref(),
            )
            .await?
        }
        InfluencerCommand::RevokePages {
            campaign,
            influencer,
        } => {
            let holder = promo_core::PageHolder::Influencer(campaign.clone(), influencer.clone());
            store
                .revoke_pages(&holder, promo_core::Timestamp::now())
                .await?;
            println!(
                "every dashboard link of {influencer} in {campaign} printed so far is void; print a new one with `promo influencer link`"
            );
        }
        InfluencerCommand::Account {
            campaign,
            influencer,
            telegram_user,
            discord_user,
            remove,
        } => {
            account(
                store,
                &campaign,
                &influencer,
                telegram_user.as_deref(),
                discord_user.as_deref(),
                remove,
            )
            .await?
        }
        InfluencerCommand::Promotion {
            campaign,
            influencer,
            promotion_id,
        } => {
            let owner = promo_store::admin::PromotionOwner {
                campaign: campaign.clone(),
                influencer: influencer.clone(),
            };
            store.set_promotion(&promotion_id, &owner).await?;
            println!(
                "Amazon orders with promotion {} now credit {influencer} in {campaign}",
                promotion_id.trim()
            );
        }
    }
    Ok(())
}

/// `promo influencer link`: each influencer's signed Telegram deep link and Discord button
/// payload, and the campaign's direct link.
pub async fn links(
    store: &Store,
    campaign: &promo_core::CampaignId,
    only: Option<&promo_core::InfluencerId>,
    bot: Option<&str>,
    secret: Option<&str>,
    page: &crate::cli::PageLinkArgs,
) -> anyhow::Result<()> {
    let key = crate::overview::link_key(secret)?;
    let list = store
        .list_influencers(campaign)
        .await
        .context("listing influencers")?;
    let mut targets: Vec<(String, Option<promo_core::InfluencerId>)> = Vec::new();
    match only {
        Some(id) => {
            if !list.iter().any(|i| &i.id == id) {
                anyhow::bail!("no influencer {id} in {campaign}");
            }
            targets.push((id.to_string(), Some(id.clone())));
        }
        None => {
            targets.push(("(direct)".into(), None));
            targets.extend(list.iter().map(|i| (i.id.to_string(), Some(i.id.clone()))));
        }
    }
    // Plain lines, not a table: a terminal must never wrap a link.
    for (label, id) in &targets {
        // One payload per surface: a button's custom id is readable by any server member, so
        // it must not work as a deep link (nor the other way round).
        let payload = key.sign_for(promo_core::Surface::TelegramStart, campaign, id.as_ref());
        let button = key.sign_for(promo_core::Surface::DiscordButton, campaign, id.as_ref());
        println!("{label}");
        match bot {
            Some(bot) => println!(
                "  telegram:  {}",
                promo_telegram::link::start_link(bot, &payload)
            ),
            None => {
                println!("  telegram:  start={payload}  (set PROMO_TELEGRAM_BOT for the full link)")
            }
        }
        println!(
            "  discord:   claim:{button}  (button custom id; a seller posts the button with `/claim-button`)"
        );
        if let (Some(base), Some(inf)) = (page.base_url.as_deref(), id) {
            let holder = promo_core::PageHolder::Influencer(campaign.clone(), inf.clone());
            println!(
                "  dashboard: {}  (works {} days)",
                crate::overview::page_url(&key, holder, page, base),
                page.days.max(1)
            );
        }
    }
    if page.base_url.is_none() {
        println!(
            "(set PROMO_PUBLIC_URL or pass --base-url to print each influencer's dashboard link)"
        );
    }
    Ok(())
}

/// `promo influencer invite`: a single-use invite link for one influencer, valid `days` days.
pub async fn invite(
    store: &Store,
    campaign: &promo_core::CampaignId,
    influencer: &promo_core::InfluencerId,
    days: u32,
    bot: Option<&str>,
    secret: Option<&str>,
) -> anyhow::Result<()> {
    let key = crate::overview::link_key(secret)?;
    let bot = bot
        .map(|b| b.trim().trim_start_matches('@'))
        .filter(|b| !b.is_empty())
        .context("no bot username: set PROMO_TELEGRAM_BOT or pass --bot")?;
    let expires = promo_core::Timestamp::now().plus_ms(i64::from(days) * promo_core::time::DAY_MS);
    let id = store
        .create_invite(campaign, influencer, expires)
        .await
        .context("making the invite")?;
    let payload = key.sign_invite(&id);
    println!(
        "invite for {influencer} in {campaign}, valid {days} days, for one Telegram or Discord account:"
    );
    println!(
        "  telegram: {}",
        promo_telegram::link::start_link(bot, &payload)
    );
    println!("  discord:  /join invite:{payload}");
    println!("send it to {influencer} only: whoever uses it first speaks for them in /stats");
    Ok(())
}

/// `promo influencer account`: links (or unlinks) a platform account to an influencer.
pub async fn account(
    store: &Store,
    campaign: &promo_core::CampaignId,
    influencer: &promo_core::InfluencerId,
    telegram_user: Option<&str>,
    discord_user: Option<&str>,
    remove: bool,
) -> anyhow::Result<()> {
    let accounts = telegram_user
        .map(|u| promo_core::Follower::parse("telegram", u))
        .into_iter()
        .chain(discord_user.map(|u| promo_core::Follower::parse("discord", u)));
    for account in accounts {
        let account = account.context("the account id")?;
        if remove {
            store.unlink_account(&account, campaign, influencer).await?;
            println!(
                "{} no longer speaks for {influencer} in {campaign}",
                account.platform
            );
        } else {
            store.link_account(&account, campaign, influencer).await?;
            println!(
                "{} user {} is influencer {influencer} in {campaign}: /stats shows them their numbers",
                account.platform,
                account.user_id.as_str()
            );
        }
    }
    Ok(())
}
