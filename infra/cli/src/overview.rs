//! Dashboard links: the seller's overview (`promo overview link|revoke`) and each
//! influencer's page (printed by `promo influencer link`, revoked by `revoke-pages`).

use crate::cli::{OverviewCommand, PageLinkArgs};
use anyhow::{Context, anyhow};
use promo_core::{LinkKey, PageHolder, Timestamp};
use promo_store::Store;

/// The link key from the secret, with a clear error when it is missing.
pub fn link_key(secret: Option<&str>) -> anyhow::Result<LinkKey> {
    let secret = secret.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        anyhow!("no link secret: set PROMO_LINK_SECRET (the same one the bots use)")
    })?;
    LinkKey::new(secret.trim().as_bytes()).context("PROMO_LINK_SECRET")
}

/// A signed page URL for `holder`, valid for `page.days` from now.
pub fn page_url(key: &LinkKey, holder: PageHolder, page: &PageLinkArgs, base: &str) -> String {
    promo_api::routes::page_url(key, holder, base, Timestamp::now(), page.days)
}

/// Runs an overview subcommand.
pub async fn run(store: &Store, command: OverviewCommand) -> anyhow::Result<()> {
    match command {
        OverviewCommand::Link { page, link_secret } => {
            let key = link_key(link_secret.as_deref())?;
            let base = page
                .base_url
                .clone()
                .ok_or_else(|| anyhow!("no base URL: pass --base-url or set PROMO_PUBLIC_URL"))?;
            println!("{}", page_url(&key, PageHolder::Seller, &page, &base));
            eprintln!(
                "works for {} days; anyone with it sees every campaign: `promo overview revoke` voids it",
                page.days.max(1)
            );
        }
        OverviewCommand::Revoke => {
            store
                .revoke_pages(&PageHolder::Seller, Timestamp::now())
                .await?;
            println!("every overview link printed so far is void");
        }
    }
    Ok(())
}
