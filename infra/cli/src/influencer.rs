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
        } => {
            let inf = store
                .add_influencer(&campaign, id, &name, quota)
                .await
                .context("adding the influencer")?;
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
                    "added influencer {} to {campaign}: no quota, claims draw from the open lane",
                    inf.id
                ),
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
            let mut t = table(&["influencer", "name", "quota", "reserved codes"]);
            for i in &list {
                t.add_row(vec![
                    Cell::new(i.id.as_str()),
                    Cell::new(&i.name),
                    num(i.quota.map_or_else(|| "-".to_owned(), |q| q.to_string())),
                    num(i.backed),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}
