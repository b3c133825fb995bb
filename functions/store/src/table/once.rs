//! The two conditional writes that make "once" records: put an item only if absent, delete an
//! item only if present. The caller that gets `true` is the one that did it, whoever else raced.

use crate::Store;
use crate::table::error::StoreError;
use crate::table::items::Item;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;

impl Store {
    /// Puts `item` unless an item with its key exists; true when this call wrote it.
    pub(crate) async fn put_if_absent(&self, item: Item) -> Result<bool, StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::sdk("PutItem", e)),
        }
    }

    /// Deletes the item at `key` if it exists; true when this call deleted it.
    pub(crate) async fn delete_if_present(&self, key: Item) -> Result<bool, StoreError> {
        self.metrics().write();
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::sdk("DeleteItem", e)),
        }
    }
}
