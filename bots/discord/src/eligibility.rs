//! Who may claim: a campaign's [`CampaignOptions`] checked against the claimer.

use crate::options::CampaignOptions;
use promo_core::Timestamp;

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds: snowflakes count from it.
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
const DAY_MS: i64 = 86_400_000;

/// When the account (or any object) with this snowflake id was created.
pub fn created_at(snowflake: u64) -> Timestamp {
    Timestamp(DISCORD_EPOCH_MS + i64::try_from(snowflake >> 22).unwrap_or(i64::MAX / 2))
}

/// The claimer, as the interaction describes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimer {
    /// Their user id.
    pub user: u64,
    /// The server the interaction came from (`None` in a direct message).
    pub guild: Option<u64>,
    /// Their roles in that server.
    pub roles: Vec<u64>,
}

/// Why a claimer may not claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    /// The account is younger than the campaign allows.
    #[error("account younger than {min_days} days")]
    AccountTooNew {
        /// The minimum age.
        min_days: u32,
    },
    /// The claimer lacks the required role.
    #[error("missing the required role")]
    MissingRole {
        /// The role.
        role: u64,
    },
    /// The claim does not come from the required server.
    #[error("not in the required server")]
    WrongGuild,
}

/// Checks `claimer` against `options` at `now`.
pub fn check(
    options: &CampaignOptions,
    claimer: &Claimer,
    now: Timestamp,
) -> Result<(), Ineligible> {
    if let Some(days) = options.min_account_age_days {
        let age = now.millis() - created_at(claimer.user).millis();
        if age < i64::from(days) * DAY_MS {
            return Err(Ineligible::AccountTooNew { min_days: days });
        }
    }
    if let Some(guild) = options.require_guild
        && claimer.guild != Some(guild)
    {
        return Err(Ineligible::WrongGuild);
    }
    if let Some(role) = options.require_role
        && !claimer.roles.contains(&role)
    {
        return Err(Ineligible::MissingRole { role });
    }
    Ok(())
}

/// Whether `options` holds a rule. Where a campaign lists no platforms, a Discord rule makes
/// it open only on Discord and the other platforms with rules of their own: the store's
/// platform policy ([`promo_store::bots::settings::PlatformPolicy`]), which every claim passes, reads
/// this document as [`promo_store::bots::settings::holds_rule`] does, and the tests keep the two
/// in step.
pub fn has_rules(options: &CampaignOptions) -> bool {
    options.min_account_age_days.is_some()
        || options.require_role.is_some()
        || options.require_guild.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_discord_rule_counts_for_the_cross_platform_policy() {
        use promo_core::{CampaignId, Platform};
        use promo_store::bots::settings::{RULE_DOCUMENTS, campaign_scope, holds_rule};
        let c = CampaignId::parse("spring").unwrap();
        assert_eq!(crate::options::campaign_scope(&c), campaign_scope(&c));
        assert!(
            RULE_DOCUMENTS
                .iter()
                .any(|(p, name, _)| *p == Platform::Discord
                    && *name == crate::options::CAMPAIGN_OPTIONS_NAME)
        );
        for age in [None, Some(0), Some(30)] {
            for role in [None, Some(9)] {
                for (guild, creator_codes) in [
                    (None, false),
                    (None, true),
                    (Some(7), false),
                    (Some(7), true),
                ] {
                    // Every field, on purpose: a new option must be placed here, as a rule
                    // (closing other platforms) or not (then `holds_rule` must skip it).
                    let o = CampaignOptions {
                        min_account_age_days: age,
                        require_role: role,
                        require_guild: guild,
                        creator_codes,
                        translations: crate::texts::parse_translations(
                            r#"{"de": {"ended": "Vorbei."}}"#,
                        )
                        .unwrap(),
                    };
                    let doc = serde_json::to_value(&o).unwrap();
                    assert_eq!(has_rules(&o), holds_rule(Platform::Discord, &doc), "{o:?}");
                }
            }
        }
    }

    fn snowflake_at(ms: i64) -> u64 {
        ((ms - DISCORD_EPOCH_MS) as u64) << 22
    }

    #[test]
    fn the_snowflake_tells_the_account_age() {
        let now = Timestamp::now();
        let old = Claimer {
            user: snowflake_at(now.millis() - 40 * DAY_MS),
            ..Claimer::default()
        };
        let new = Claimer {
            user: snowflake_at(now.millis() - 2 * DAY_MS),
            ..Claimer::default()
        };
        let rule = CampaignOptions {
            min_account_age_days: Some(30),
            ..CampaignOptions::default()
        };
        assert_eq!(check(&rule, &old, now), Ok(()));
        assert_eq!(
            check(&rule, &new, now),
            Err(Ineligible::AccountTooNew { min_days: 30 })
        );
        // Discord's documented example: 175928847299117063 was created 2016-04-30T11:18:25.796Z.
        assert_eq!(
            created_at(175_928_847_299_117_063).millis(),
            1_462_015_105_796
        );
    }

    #[test]
    fn role_and_guild_rules() {
        let rule = CampaignOptions {
            require_guild: Some(7),
            require_role: Some(9),
            ..CampaignOptions::default()
        };
        let now = Timestamp::now();
        let mut c = Claimer {
            user: 1,
            guild: Some(7),
            roles: vec![9],
        };
        assert_eq!(check(&rule, &c, now), Ok(()));
        c.roles.clear();
        assert_eq!(
            check(&rule, &c, now),
            Err(Ineligible::MissingRole { role: 9 })
        );
        c.guild = None;
        assert_eq!(check(&rule, &c, now), Err(Ineligible::WrongGuild));
    }
}
