//! Who asks, through which platform and influencer, how often, and which requests the platform
//! delivers twice. Deterministic for a seed.

use crate::options::LoadOptions;
use crate::world::INFLUENCERS;
use rand::{Rng, SeedableRng};

/// The platform a follower claims through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// `POST /v1/campaigns/{campaign}/claims` with the API key.
    Api,
    /// A signed `/claim` interaction.
    Discord,
    /// A `/start <payload>` update on the webhook.
    Telegram,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 3] = [Channel::Api, Channel::Discord, Channel::Telegram];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Api => "API",
            Channel::Discord => "Discord",
            Channel::Telegram => "Telegram",
        }
    }

    /// The platform of its followers' identity.
    pub fn platform(self) -> &'static str {
        match self {
            Channel::Api => "web",
            Channel::Discord => "discord",
            Channel::Telegram => "telegram",
        }
    }
}

/// Discord's epoch in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// One follower's script.
#[derive(Debug, Clone)]
pub struct FollowerPlan {
    /// Position in the plan.
    pub index: usize,
    /// Where they claim.
    pub channel: Channel,
    /// Their platform user id.
    pub user: u64,
    /// The influencer they came through (`None`: direct).
    pub influencer: Option<&'static str>,
    /// For each time they ask, whether the platform delivers that request twice at once.
    pub asks: Vec<bool>,
}

impl FollowerPlan {
    /// Their identity as the store records it (`<platform>:<user>`).
    pub fn follower(&self) -> String {
        format!("{}:{}", self.channel.platform(), self.user)
    }
}

/// The plan of a run.
pub fn plan(options: &LoadOptions) -> Vec<FollowerPlan> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    // Discord users: accounts three years old, distinct per follower.
    let created = promo_core::Timestamp::now().millis() - 3 * 365 * 86_400_000;
    let discord_base = ((created - DISCORD_EPOCH_MS) as u64) << 22;
    (0..options.followers)
        .map(|index| {
            let channel = Channel::ALL[index % 3];
            let user = match channel {
                Channel::Api => 10_000_000 + index as u64,
                Channel::Discord => discord_base | index as u64,
                Channel::Telegram => 5_000_000 + index as u64,
            };
            let via = rng.random_range(0..=INFLUENCERS.len());
            let influencer = INFLUENCERS.get(via).map(|(name, _)| *name);
            let times = if rng.random_bool(options.repeat_share) {
                rng.random_range(2..=4)
            } else {
                1
            };
            let asks = (0..times)
                .map(|_| rng.random_bool(options.redelivery_share))
                .collect();
            FollowerPlan {
                index,
                channel,
                user,
                influencer,
                asks,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_spreads_followers_over_channels_and_is_repeatable() {
        let options = LoadOptions {
            followers: 300,
            repeat_share: 0.5,
            redelivery_share: 0.5,
            ..LoadOptions::default()
        };
        let a = plan(&options);
        let b = plan(&options);
        assert_eq!(a.len(), 300);
        for channel in Channel::ALL {
            assert_eq!(a.iter().filter(|f| f.channel == channel).count(), 100);
        }
        assert!(a.iter().any(|f| f.asks.len() > 1));
        assert!(a.iter().flat_map(|f| &f.asks).any(|twice| *twice));
        assert!(a.iter().any(|f| f.influencer.is_none()));
        let ids: std::collections::HashSet<_> = a.iter().map(FollowerPlan::follower).collect();
        assert_eq!(ids.len(), 300, "followers are distinct");
        assert_eq!(
            a.iter().map(|f| f.asks.clone()).collect::<Vec<_>>(),
            b.iter().map(|f| f.asks.clone()).collect::<Vec<_>>()
        );
    }
}
