//! Settings documents: small JSON documents that the bots and the CLI keep in the table, such
//! as a campaign's bot options (eligibility, translations), the default campaign of a bot, or a
//! Discord guild mapped to an influencer.
//!
//! A document lives at `SET#<scope>` / `<name>`; its shape belongs to whoever writes it (the
//! store only keeps it). Reads are cached per process for a short time, like campaign settings,
//! so a bot reads each document at most once per TTL however many updates it handles.

use crate::Store;
use crate::error::StoreError;
use crate::items::{Item, key, s};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
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
            return Err(StoreError::Refused(format!(
                "setting {scope}/{name} is {} bytes; at most {MAX_SETTING_BYTES}",
                json.len()
            )));
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
