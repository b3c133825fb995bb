//! Settings documents: small JSON documents that the bots and the CLI keep in the table, such
//! as a campaign's bot options (eligibility, translations), the default campaign of a bot, or a
//! Discord guild mapped to an influencer.
//!
//! A document lives at `SET#<scope>` / `<name>`; its shape belongs to whoever writes it (the
//! store only keeps it). Reads are cached per process for a short time, like campaign settings,
//! so a bot reads each document at most once per TTL however many updates it handles.
//!
//! One shape is the store's own: a campaign's [`PlatformPolicy`], which every claim passes
//! ([`Store::claim`](crate::Store::claim) checks it), whatever platform or function it comes
//! from. A campaign is open on the platforms the seller listed ([`PLATFORMS_SETTING`]); with
//! no list, on the platforms that have eligibility rules in their own documents
//! ([`RULE_DOCUMENTS`]); with neither, everywhere. So a rule set for one platform never leaves
//! another open by accident.

use crate::Store;
use crate::admin::AdminRefusal;
use crate::table::error::StoreError;
use crate::table::items::{Item, key, s};
use aws_sdk_dynamodb::types::AttributeValue;
use promo_core::{CampaignId, Platform};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A document's size limit (bytes of JSON): far below DynamoDB's 400 KB item limit.
pub const MAX_SETTING_BYTES: usize = 64 * 1024;

fn setting_pk(scope: &str) -> String {
    format!("SET#{scope}")
}

/// A settings document's (scope, name), and when it was read with what it held.
type CachedSettings = HashMap<(String, String), (Instant, Option<String>)>;

/// A per-process cache of settings documents (`None` caches "absent" too).
#[derive(Default)]
pub(crate) struct SettingsCache {
    entries: Mutex<CachedSettings>,
}

const SETTINGS_TTL: Duration = Duration::from_secs(2);

impl SettingsCache {
    fn get(&self, scope: &str, name: &str) -> Option<Option<String>> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(scope.to_owned(), name.to_owned()))
            .filter(|(at, _)| at.elapsed() < SETTINGS_TTL)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, scope: &str, name: &str, value: Option<String>) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert((scope.to_owned(), name.to_owned()), (Instant::now(), value));
    }

    fn forget(&self, scope: &str, name: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&(scope.to_owned(), name.to_owned()));
    }
}

impl Store {
    /// Stores document `name` in `scope`, replacing any previous one.
    pub async fn put_setting<T: Serialize>(
        &self,
        scope: &str,
        name: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(StoreError::build)?;
        if json.len() > MAX_SETTING_BYTES {
            return Err(AdminRefusal::SettingTooLarge {
                scope: scope.to_owned(),
                name: name.to_owned(),
                bytes: json.len(),
            }
            .into());
        }
        let mut item = key(setting_pk(scope), name);
        item.insert("doc".into(), s(json));
        self.metrics().write();
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::sdk("PutItem", e))?;
        self.settings_cache().forget(scope, name);
        Ok(())
    }

    /// Reads document `name` in `scope` (cached for 2 s per process).
    pub async fn get_setting<T: DeserializeOwned>(
        &self,
        scope: &str,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        let json = match self.settings_cache().get(scope, name) {
            Some(cached) => cached,
            None => {
                self.metrics().read();
                let out = self
                    .client()
                    .get_item()
                    .table_name(self.table())
                    .set_key(Some(key(setting_pk(scope), name)))
                    .send()
                    .await
                    .map_err(|e| StoreError::sdk("GetItem", e))?;
                let json = out.item.as_ref().and_then(doc_of);
                self.settings_cache().put(scope, name, json.clone());
                json
            }
        };
        json.map(|j| serde_json::from_str(&j).map_err(StoreError::corrupt))
            .transpose()
    }

    /// Removes document `name` in `scope`; removing an absent one is not an error.
    pub async fn delete_setting(&self, scope: &str, name: &str) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(setting_pk(scope), name)))
            .send()
            .await
            .map_err(|e| StoreError::sdk("DeleteItem", e))?;
        self.settings_cache().forget(scope, name);
        Ok(())
    }

    /// Every document in `scope`, by name (uncached, for admin listings).
    pub async fn list_settings<T: DeserializeOwned>(
        &self,
        scope: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            self.metrics().read();
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(setting_pk(scope)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::sdk("Query", e))?;
            for item in page.items() {
                let name = match item.get("sk") {
                    Some(AttributeValue::S(n)) => n.clone(),
                    _ => continue,
                };
                if let Some(doc) = doc_of(item) {
                    out.push((
                        name,
                        serde_json::from_str(&doc).map_err(StoreError::corrupt)?,
                    ));
                }
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(out),
            }
        }
    }
}

fn doc_of(item: &Item) -> Option<String> {
    match item.get("doc") {
        Some(AttributeValue::S(d)) => Some(d.clone()),
        _ => None,
    }
}

/// The settings scope of a campaign's documents: the bots' options and its platform list.
pub fn campaign_scope(campaign: &CampaignId) -> String {
    format!("campaign:{campaign}")
}

/// The name of a campaign's platform list (a [`PlatformList`]) in [`campaign_scope`].
pub const PLATFORMS_SETTING: &str = "platforms";

/// Each platform's own eligibility document in [`campaign_scope`], and the keys in it that are
/// presentation, not rules. Any other key with a value counts as a rule, so a rule added to a
/// bot's document later closes the other platforms without a change here (it fails closed).
pub const RULE_DOCUMENTS: &[(Platform, &str, &[&str])] = &[
    // The Telegram bot's options: `required_channel` is a rule, `translations` is not.
    (Platform::Telegram, "telegram", &["translations"]),
    // The Discord bot's options: account age, role and server are rules; `creator_codes` (a
    // typed influencer may be credited) is attribution, not eligibility; `translations` neither.
    (
        Platform::Discord,
        "discord",
        &["creator_codes", "translations"],
    ),
];

/// The platforms a seller opened a campaign on, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformList {
    /// The platforms; never empty (a campaign open nowhere is paused instead).
    pub open_on: BTreeSet<Platform>,
}

/// Where a campaign may be claimed, as of one read of its documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformPolicy {
    /// The platforms the seller listed, if they did.
    pub listed: Option<BTreeSet<Platform>>,
    /// The platforms with an eligibility rule in their own document.
    pub ruled: BTreeSet<Platform>,
}

impl PlatformPolicy {
    /// Whether a claim from `platform` may go ahead: listed, or (with no list) ruled, or (with
    /// neither) any platform.
    pub fn allows(&self, platform: Platform) -> bool {
        match &self.listed {
            Some(list) => list.contains(&platform),
            None if self.ruled.is_empty() => true,
            None => self.ruled.contains(&platform),
        }
    }

    /// The platforms the campaign is restricted to, or `None` when it is open on every one.
    pub fn restricted_to(&self) -> Option<&BTreeSet<Platform>> {
        match &self.listed {
            Some(list) => Some(list),
            None if self.ruled.is_empty() => None,
            None => Some(&self.ruled),
        }
    }
}

impl fmt::Display for PlatformPolicy {
    /// `open on telegram, web (listed)`, `open on discord only (the platforms with rules)`, or
    /// `open on every platform`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |set: &BTreeSet<Platform>| {
            set.iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (&self.listed, self.ruled.is_empty()) {
            (Some(list), _) => write!(f, "open on {} (listed)", names(list)),
            (None, true) => f.write_str("open on every platform (no list, no rules)"),
            (None, false) => write!(
                f,
                "open on {} only (no list: only the platforms with rules)",
                names(&self.ruled)
            ),
        }
    }
}

/// Whether `doc`, the eligibility document of `platform` (see [`RULE_DOCUMENTS`]), holds a
/// rule: a key outside that platform's presentation keys with a value other than `null`,
/// `false`, `""`, `[]` or `{}`. A document that is not a JSON object counts as a rule (fails
/// closed).
pub fn holds_rule(platform: Platform, doc: &serde_json::Value) -> bool {
    let presentation: &[&str] = RULE_DOCUMENTS
        .iter()
        .find(|(p, _, _)| *p == platform)
        .map_or(&[], |(_, _, keys)| *keys);
    let Some(object) = doc.as_object() else {
        return true;
    };
    object.iter().any(|(key, value)| {
        !presentation.contains(&key.as_str())
            && match value {
                serde_json::Value::Null | serde_json::Value::Bool(false) => false,
                serde_json::Value::String(s) => !s.is_empty(),
                serde_json::Value::Array(a) => !a.is_empty(),
                serde_json::Value::Object(o) => !o.is_empty(),
                serde_json::Value::Bool(true) | serde_json::Value::Number(_) => true,
            }
    })
}

impl Store {
    /// The platforms `campaign` is open on: its list and the platforms' rule documents, read
    /// at once (each cached like any setting).
    pub async fn platform_policy(
        &self,
        campaign: &CampaignId,
    ) -> Result<PlatformPolicy, StoreError> {
        let scope = campaign_scope(campaign);
        let listed = self.get_setting::<PlatformList>(&scope, PLATFORMS_SETTING);
        let rules = futures::future::try_join_all(RULE_DOCUMENTS.iter().map(|(p, name, _)| {
            let scope = &scope;
            async move {
                let doc = self.get_setting::<serde_json::Value>(scope, name).await?;
                Ok::<_, StoreError>(doc.is_some_and(|d| holds_rule(*p, &d)).then_some(*p))
            }
        }));
        let (listed, rules) = futures::future::try_join(listed, rules).await?;
        Ok(PlatformPolicy {
            listed: listed.map(|l| l.open_on),
            ruled: rules.into_iter().flatten().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(ps: &[Platform]) -> BTreeSet<Platform> {
        ps.iter().copied().collect()
    }

    #[test]
    fn a_campaign_with_no_list_and_no_rules_is_open_everywhere() {
        let policy = PlatformPolicy::default();
        for p in [Platform::Telegram, Platform::Discord, Platform::Web] {
            assert!(policy.allows(p));
        }
        assert_eq!(policy.restricted_to(), None);
    }

    #[test]
    fn a_rule_for_one_platform_closes_the_others_when_nothing_is_listed() {
        let policy = PlatformPolicy {
            listed: None,
            ruled: set(&[Platform::Telegram]),
        };
        assert!(policy.allows(Platform::Telegram));
        assert!(!policy.allows(Platform::Discord));
        assert!(!policy.allows(Platform::Web));
        let both = PlatformPolicy {
            listed: None,
            ruled: set(&[Platform::Telegram, Platform::Discord]),
        };
        assert!(both.allows(Platform::Discord));
        assert!(!both.allows(Platform::Web));
    }

    #[test]
    fn a_list_decides_whatever_the_rules() {
        let policy = PlatformPolicy {
            listed: Some(set(&[Platform::Web, Platform::Discord])),
            ruled: set(&[Platform::Telegram]),
        };
        assert!(policy.allows(Platform::Web));
        assert!(policy.allows(Platform::Discord));
        assert!(!policy.allows(Platform::Telegram), "ruled but not listed");
        assert_eq!(
            policy.to_string(),
            "open on discord, web (listed)",
            "platforms in a fixed order"
        );
    }

    #[test]
    fn rules_are_any_key_but_presentation_and_fail_closed() {
        assert!(holds_rule(
            Platform::Telegram,
            &json!({"required_channel": "@shop"})
        ));
        assert!(!holds_rule(
            Platform::Telegram,
            &json!({"translations": {"de": {}}})
        ));
        assert!(!holds_rule(Platform::Telegram, &json!({})));
        assert!(!holds_rule(
            Platform::Telegram,
            &json!({"required_channel": null})
        ));
        // A key nobody taught the policy about is a rule: it closes the other platforms.
        assert!(holds_rule(Platform::Telegram, &json!({"min_level": 3})));
        assert!(holds_rule(Platform::Discord, &json!({"require_role": 9})));
        // Discord's translations are presentation too, like Telegram's.
        assert!(!holds_rule(
            Platform::Discord,
            &json!({"translations": {"de": {}}})
        ));
        assert!(holds_rule(Platform::Discord, &json!({"levels": "x"})));
        assert!(holds_rule(Platform::Discord, &json!("not an object")));
        assert!(!holds_rule(Platform::Discord, &json!({})));
    }

    #[test]
    fn the_platform_list_is_stored_by_name() {
        let list = PlatformList {
            open_on: set(&[Platform::Telegram, Platform::Web]),
        };
        let json = serde_json::to_value(&list).expect("json");
        assert_eq!(json, json!({"open_on": ["telegram", "web"]}));
        assert!(serde_json::from_value::<PlatformList>(json!({"open_on": ["fax"]})).is_err());
    }
}
