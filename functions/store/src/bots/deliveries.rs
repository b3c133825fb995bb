//! Webhook deliveries that must take effect once: Telegram `update_id`, Discord interaction
//! `id`, an API `Idempotency-Key`.
//!
//! Each delivery is one item `D#<source>#<id>` put with a condition, so concurrent and repeated
//! deliveries of the same id see one winner. The item lives (TTL) longer than any platform's
//! redelivery window. A delivery whose handler died mid-way (the item stayed `started` past its
//! lease) can be taken over, so a crash never loses an update; a finished one never runs again.
//! There is no "highest id seen" mark: ids are not assumed to arrive in order.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{key, n, s};
use crate::table::schema;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use promo_core::Timestamp;

/// How long a delivery record is kept: 48 hours, twice Telegram's 24-hour redelivery window.
pub const DELIVERY_TTL_MS: i64 = 48 * 3_600_000;

/// What the store says about a delivery the caller is about to handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// First time seen (or a taken-over stale attempt): handle it, then call
    /// [`Store::finish_delivery`].
    New,
    /// Already handled: answer success and do nothing.
    Done,
    /// Another attempt is handling it right now: do nothing; a platform that retries on
    /// non-2xx can be asked to come back later.
    InFlight,
}

fn delivery_pk(source: &str, id: &str) -> String {
    format!("D#{source}#{id}")
}

const DELIVERY_SK: &str = "D";

impl Store {
    /// Claims the right to handle delivery `id` from `source` (e.g. `telegram`). An attempt
    /// that started more than `lease_ms` ago and never finished is considered dead and is taken
    /// over.
    pub async fn begin_delivery(
        &self,
        source: &str,
        id: &str,
        now: Timestamp,
        lease_ms: i64,
    ) -> Result<Delivery, StoreError> {
        // Identifies this attempt: if the SDK retries our put after a lost reply, the retry
        // fails its condition on our own record, and the attempt id tells it apart.
        let attempt = format!("{:016x}", rand::random::<u64>());
        let mut item = key(delivery_pk(source, id), DELIVERY_SK);
        item.insert("state".into(), s("started"));
        item.insert("attempt".into(), s(&attempt));
        item.insert("started_at".into(), n(now.millis()));
        item.insert(
            schema::TTL_ATTRIBUTE.into(),
            n((now.millis() + DELIVERY_TTL_MS) / 1000),
        );
        self.metrics().write();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            // TTL deletes lazily, so an expired record counts as absent here.
            .condition_expression(
                "attribute_not_exists(pk) OR #ttl < :now_s \
                 OR (#state = :started AND started_at < :stale)",
            )
            .expression_attribute_names("#ttl", schema::TTL_ATTRIBUTE)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now_s", n(now.millis() / 1000))
            .expression_attribute_values(":started", s("started"))
            .expression_attribute_values(":stale", n(now.millis() - lease_ms))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Delivery::New),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(c)) => {
                    let text = |name: &str| match c.item().and_then(|i| i.get(name)) {
                        Some(AttributeValue::S(v)) => Some(v.as_str()),
                        _ => None,
                    };
                    Ok(if text("attempt") == Some(attempt.as_str()) {
                        // Our own put landed; only its reply was lost.
                        Delivery::New
                    } else if text("state") == Some("done") {
                        Delivery::Done
                    } else {
                        Delivery::InFlight
                    })
                }
                _ => Err(StoreError::sdk("PutItem", e)),
            },
        }
    }

    /// Marks delivery `id` from `source` handled, so redeliveries are answered without effect.
    pub async fn finish_delivery(&self, source: &str, id: &str) -> Result<(), StoreError> {
        self.metrics().write();
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(delivery_pk(source, id), DELIVERY_SK)))
            .update_expression("SET #state = :done")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", s("done"))
            .send()
            .await
            .map_err(|e| StoreError::sdk("UpdateItem", e))?;
        Ok(())
    }

    /// Gives up an attempt begun at `started_at` (the `now` given to
    /// [`Store::begin_delivery`]) without finishing it, so a redelivery is handled at once
    /// instead of after the lease: for a handler that failed in a way that left nothing half
    /// done worth protecting (a panic). Removes the record only while it is still that
    /// attempt's and unfinished; otherwise (finished, or taken over since) does nothing.
    pub async fn release_delivery(
        &self,
        source: &str,
        id: &str,
        started_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(delivery_pk(source, id), DELIVERY_SK)))
            .condition_expression("#state = :started AND started_at = :at")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":started", s("started"))
            .expression_attribute_values(":at", n(started_at.millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(StoreError::sdk("DeleteItem", e)),
        }
    }
}
