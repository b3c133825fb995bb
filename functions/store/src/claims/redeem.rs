//! Redeeming a code: one conditional update, idempotent per order reference. The same update
//! lists the code on the listing index under its influencer (`S#<campaign>#<influencer>#<shard>`,
//! recorded on the code when it was issued), sorted by redemption time.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::{CODE_SK, CodeItem, code_pk, from_item, key, n, s};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure,
};
use promo_core::{CodeState, OrderRef, PromoCode, RedeemRefusal, Redeemed, Timestamp};

/// A redemption's outcome.
pub type RedeemOutcome = Result<Redeemed, RedeemRefusal>;

impl Store {
    /// Marks an issued code redeemed by `order`. At most one order ever redeems a code; the same
    /// order asking again gets the same success (`replayed`), anyone else a refusal saying why.
    pub async fn redeem(
        &self,
        code: &PromoCode,
        order: &OrderRef,
        now: Timestamp,
    ) -> Result<RedeemOutcome, StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(code_pk(code), CODE_SK)))
            .update_expression(
                "SET code_state = :redeemed, redeemed_at = :now, order_ref = :order, \
                 gsi2pk = listing_pk, gsi2sk = :g2sk",
            )
            .condition_expression(
                "attribute_exists(pk) AND code_state = :issued AND redeem_until > :now",
            )
            .expression_attribute_values(":redeemed", s(CodeState::Redeemed.as_str()))
            .expression_attribute_values(":issued", s(CodeState::Issued.as_str()))
            .expression_attribute_values(":now", n(now.millis()))
            .expression_attribute_values(":order", s(order.as_str()))
            .expression_attribute_values(":g2sk", s(format!("{:015}", now.millis())))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
            .send()
            .await;
        match result {
            Ok(out) => {
                self.metrics().capacity(out.consumed_capacity());
                let item: CodeItem = from_item(out.attributes.unwrap_or_default())?;
                Ok(Ok(Redeemed {
                    redeemed_at: now,
                    influencer: item
                        .influencer
                        .unwrap_or_else(promo_core::InfluencerId::direct),
                    replayed: false,
                }))
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(ccf)) => {
                    let old = ccf.item().cloned().unwrap_or_default();
                    Ok(refusal(old, order))
                }
                _ => Err(StoreError::sdk("UpdateItem", err)),
            },
        }
    }
}

fn refusal(old: crate::table::items::Item, order: &OrderRef) -> RedeemOutcome {
    if old.is_empty() {
        return Err(RedeemRefusal::UnknownCode);
    }
    if crate::table::items::is_group(&old) {
        return Err(RedeemRefusal::GroupCode);
    }
    let Ok(code) = from_item::<CodeItem>(old) else {
        return Err(RedeemRefusal::UnknownCode);
    };
    match code.code_state {
        CodeState::Available | CodeState::Retired => Err(RedeemRefusal::NotIssued),
        CodeState::Redeemed => {
            let redeemed_at = code.redeemed_at.unwrap_or(Timestamp(0));
            if code.order_ref.as_deref() == Some(order.as_str()) {
                Ok(Redeemed {
                    redeemed_at,
                    influencer: code
                        .influencer
                        .unwrap_or_else(promo_core::InfluencerId::direct),
                    replayed: true,
                })
            } else {
                Err(RedeemRefusal::AlreadyRedeemed { redeemed_at })
            }
        }
        CodeState::Issued => Err(RedeemRefusal::Expired {
            expired_at: code.redeem_until,
        }),
    }
}
