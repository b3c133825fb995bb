//! `promo alerts`: where the seller's alerts go and at which stock levels. The scheduled sweep
//! (the expire function, or `promo serve`'s background sweep) sends them, once per crossing.

use crate::cli::AlertsArgs;
use promo_store::Store;
use promo_store::bots::alerts::{ALERTS_SCOPE, AlertSettings};

/// Shows the settings, or changes the parts given and shows the result.
pub async fn run(store: &Store, args: AlertsArgs) -> anyhow::Result<()> {
    let mut settings = store.alert_settings().await?;
    let change = args.off
        || args.telegram_chat.is_some()
        || args.discord_channel.is_some()
        || args.thresholds.is_some();
    if args.off {
        settings.telegram_chat = None;
        settings.discord_channel = None;
    }
    if let Some(chat) = args.telegram_chat {
        settings.telegram_chat = Some(chat);
    }
    if let Some(channel) = args.discord_channel {
        settings.discord_channel = Some(channel);
    }
    if let Some(mut t) = args.thresholds {
        t.sort_unstable_by(|a, b| b.cmp(a));
        t.dedup();
        settings.stock_thresholds = t;
    }
    if change {
        store
            .put_setting(ALERTS_SCOPE.0, ALERTS_SCOPE.1, &settings)
            .await?;
    }
    show(&settings);
    Ok(())
}

fn show(s: &AlertSettings) {
    let or_off = |v: Option<String>| v.unwrap_or_else(|| "off".into());
    println!(
        "Telegram chat:    {}",
        or_off(s.telegram_chat.map(|c| c.to_string()))
    );
    println!(
        "Discord channel:  {}",
        or_off(s.discord_channel.map(|c| c.to_string()))
    );
    let t: Vec<String> = s.stock_thresholds.iter().map(u32::to_string).collect();
    println!("stock thresholds: {}", t.join(", "));
    println!("also: each influencer's quota reached, each campaign ended; once per crossing");
}
