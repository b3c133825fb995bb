//! Deep links: `https://t.me/<bot>?start=<payload>`, the payload signed by [`LinkKey`] so
//! nobody can move attribution to another influencer.

use promo_core::{CampaignId, InfluencerId, LinkKey, Surface};

/// The deep link that opens a private chat with the bot and claims a code of `campaign`,
/// credited to `influencer` (or to nobody).
pub fn deep_link(
    bot_username: &str,
    key: &LinkKey,
    campaign: &CampaignId,
    influencer: Option<&InfluencerId>,
) -> String {
    start_link(
        bot_username,
        &key.sign_for(Surface::TelegramStart, campaign, influencer),
    )
}

/// The link that opens a private chat with the bot and sends it `/start <payload>`: a signed
/// claim payload, or an influencer's invite.
pub fn start_link(bot_username: &str, payload: &str) -> String {
    let bot = bot_username.trim().trim_start_matches('@');
    format!("https://t.me/{bot}?start={payload}")
}

/// Whether `payload` has the shape Telegram allows for `start`: 1 to 64 characters of
/// `A-Za-z0-9_-`.
pub fn deep_link_payload_ok(payload: &str) -> bool {
    (1..=promo_core::link::MAX_PAYLOAD).contains(&payload.len())
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_link_carries_a_verifiable_payload() {
        let key = LinkKey::new(b"0123456789abcdef-test").expect("key");
        let c = CampaignId::parse("spring").expect("id");
        let i = InfluencerId::parse("alice").expect("id");
        let link = deep_link("@promo_bot", &key, &c, Some(&i));
        let payload = link
            .strip_prefix("https://t.me/promo_bot?start=")
            .expect("shape");
        assert!(deep_link_payload_ok(payload));
        let target = key
            .verify_for(Surface::TelegramStart, payload)
            .expect("verifies");
        assert_eq!(target.influencer, Some(i));
        assert!(!deep_link_payload_ok("has space"));
        assert!(!deep_link_payload_ok(&"a".repeat(65)));
    }
}
