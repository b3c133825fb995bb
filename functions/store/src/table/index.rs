//! Reading the indexes: one place that pages a query and counts its cost, and one that reads a
//! lane shard of the available index. Claims, the sweep, stats and lane moves all read through
//! here.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{CodeKey, Item, available_pk, n, pk_of, s};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use promo_core::{CampaignId, Lane, Timestamp};

/// Which codes of a lane shard to read, by release time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Released {
    /// Every available code.
    Any,
    /// Codes released at or before this time (claimable now).
    By(Timestamp),
    /// Codes released after this time (waiting for the drip).
    After(Timestamp),
}

/// An available code (or group-code seat) and its release time (ms).
pub(crate) type AvailableCode = (CodeKey, i64);

impl Store {
    /// Runs `query`, following `LastEvaluatedKey` through every page unless `single_page`.
    pub(crate) async fn query_items(
        &self,
        query: QueryFluentBuilder,
        single_page: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            self.metrics().read();
            let out = query
                .clone()
                .table_name(self.table())
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| StoreError::sdk("Query", e))?;
            self.metrics().read_capacity(out.consumed_capacity());
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if single_page || start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Available codes of one lane shard in release order: at most `limit` (one query), or all
    /// of them (`None`, every page).
    pub(crate) async fn available_in(
        &self,
        campaign: &CampaignId,
        lane: &Lane,
        shard: u16,
        released: Released,
        limit: Option<usize>,
    ) -> Result<Vec<AvailableCode>, StoreError> {
        let mut query = self
            .client()
            .query()
            .index_name(crate::table::schema::GSI_AVAILABLE)
            .expression_attribute_values(":p", s(available_pk(campaign, lane, shard)))
            .set_limit(limit.map(|l| l.clamp(1, 1_000) as i32));
        query = match released {
            Released::Any => query.key_condition_expression("gsi1pk = :p"),
            Released::By(t) => query
                .key_condition_expression("gsi1pk = :p AND gsi1sk <= :t")
                .expression_attribute_values(":t", n(t.millis())),
            Released::After(t) => query
                .key_condition_expression("gsi1pk = :p AND gsi1sk > :t")
                .expression_attribute_values(":t", n(t.millis())),
        };
        let items = self.query_items(query, limit.is_some()).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let code = CodeKey::from_pk(pk_of(item)?)?;
                let at = item.get("gsi1sk")?.as_n().ok()?.parse::<i64>().ok()?;
                Some((code, at))
            })
            .collect())
    }
}
