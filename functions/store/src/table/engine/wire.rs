//! One DynamoDB JSON 1.0 request, answered by dynoxide's library API: the operation named by
//! `X-Amz-Target`, its body decoded into dynoxide's request type, run on the database, and the
//! response (or the error, in DynamoDB's shape and status) encoded back.
//!
//! dynoxide keeps its HTTP router private (only `serve_on` a TCP listener is public), so this is
//! the same sequence its server runs, on the public `Database` methods and request types: what
//! differs is only the wording of errors for malformed requests, which the SDK never sends.

use dynoxide::{Database, DynoxideError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The `X-Amz-Target` prefixes DynamoDB and DynamoDB Streams use.
const TARGET_PREFIX: &str = "DynamoDB_20120810.";
const STREAMS_TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";

/// A body that is not JSON, or a type mismatch: DynamoDB's bare `SerializationException`.
const SERIALIZATION_EXCEPTION_BARE: &str =
    r#"{"__type":"com.amazon.coral.service#SerializationException"}"#;
/// A missing or unknown target: DynamoDB's bare `UnknownOperationException`.
const UNKNOWN_OPERATION_BARE: &str =
    r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#;

/// One answer: the HTTP status and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200, 400 (a DynamoDB client error) or 5xx.
    pub status: u16,
    /// The response or error document.
    pub body: String,
}

impl Reply {
    fn new(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
        }
    }
}

/// Runs one request. `target` is the `X-Amz-Target` header. Synchronous: dynoxide holds its
/// database lock while the operation runs, so call it on the engine's own threads.
pub fn dispatch(db: &Database, target: Option<&str>, body: &[u8]) -> Reply {
    let Ok(body) = std::str::from_utf8(body) else {
        return Reply::new(400, SERIALIZATION_EXCEPTION_BARE);
    };
    let Some(operation) = target.and_then(|t| {
        t.strip_prefix(TARGET_PREFIX)
            .or_else(|| t.strip_prefix(STREAMS_TARGET_PREFIX))
    }) else {
        return Reply::new(400, UNKNOWN_OPERATION_BARE);
    };
    if body.is_empty() {
        return Reply::new(400, SERIALIZATION_EXCEPTION_BARE);
    }
    let result = match operation {
        "CreateTable" => run(body, |r| db.create_table(r)),
        "DeleteTable" => run(body, |r| db.delete_table(r)),
        "DescribeTable" => run(body, |r| db.describe_table(r)),
        "UpdateTable" => run(body, |r| db.update_table(r)),
        "ListTables" => run(body, |r| db.list_tables(r)),
        "PutItem" => run(body, |r| db.put_item(r)),
        "GetItem" => run(body, |r| db.get_item(r)),
        "DeleteItem" => run(body, |r| db.delete_item(r)),
        "UpdateItem" => run(body, |r| db.update_item(r)),
        "Query" => run(body, |r| db.query(r)),
        "Scan" => run(body, |r| db.scan(r)),
        "BatchGetItem" => run(body, |r| db.batch_get_item(r)),
        "BatchWriteItem" => run(body, |r| db.batch_write_item(r)),
        "TransactWriteItems" => run(body, |r| db.transact_write_items(r)),
        "TransactGetItems" => run(body, |r| db.transact_get_items(r)),
        "UpdateTimeToLive" => run(body, |r| db.update_time_to_live(r)),
        "DescribeTimeToLive" => run(body, |r| db.describe_time_to_live(r)),
        "ExecuteStatement" => run(body, |r| db.execute_statement(r)),
        "ExecuteTransaction" => run(body, |r| db.execute_transaction(r)),
        "BatchExecuteStatement" => run(body, |r| db.batch_execute_statement(r)),
        "TagResource" => run(body, |r| db.tag_resource(r)),
        "UntagResource" => run(body, |r| db.untag_resource(r)),
        "ListTagsOfResource" => run(body, |r| db.list_tags_of_resource(r)),
        "ListStreams" => run(body, |r| db.list_streams(r)),
        "DescribeStream" => run(body, |r| db.describe_stream(r)),
        "GetShardIterator" => run(body, |r| db.get_shard_iterator(r)),
        "GetRecords" => run(body, |r| db.get_records(r)),
        _ => return Reply::new(400, UNKNOWN_OPERATION_BARE),
    };
    match result.map_err(|e| on_the_wire(operation, e)) {
        Ok(json) => Reply::new(200, json),
        Err(e) => Reply::new(e.status_code(), e.to_json()),
    }
}

/// Decodes the request, runs it, encodes the response.
fn run<Req: DeserializeOwned, Resp: Serialize>(
    body: &str,
    operation: impl FnOnce(Req) -> dynoxide::Result<Resp>,
) -> dynoxide::Result<String> {
    let request = serde_json::from_str(body).map_err(|e| decoding(&e.to_string()))?;
    let response = operation(request)?;
    serde_json::to_string(&response).map_err(|e| DynoxideError::InternalServerError(e.to_string()))
}

/// A decoding failure as DynamoDB reports it: dynoxide's request types mark the error class in
/// the message (`VALIDATION:` and the like); unmarked, a missing field or an unknown variant is a
/// validation error and anything else a serialisation error.
fn decoding(message: &str) -> DynoxideError {
    let message = message
        .rfind(" at line ")
        .filter(|&i| message[i..].contains("column"))
        .map_or(message, |i| &message[..i]);
    const MARKED: [(&str, bool); 5] = [
        ("SERIALIZATION_AS_READ:", false),
        ("VALIDATION_AS_READ:", true),
        ("SERIALIZATION:", false),
        ("VALIDATION_REQUEST:", true),
        ("VALIDATION:", true),
    ];
    for (marker, validation) in MARKED {
        if let Some(rest) = message.strip_prefix(marker) {
            let rest = rest.trim().to_owned();
            return if validation {
                DynoxideError::ValidationException(rest)
            } else {
                DynoxideError::SerializationException(rest)
            };
        }
    }
    if message.contains("missing field")
        || message.contains("unknown variant")
        || message.contains("invalid type: null")
        || message.contains("AttributeValue")
    {
        DynoxideError::ValidationException(message.to_owned())
    } else {
        DynoxideError::SerializationException(String::new())
    }
}

/// The error as the operation puts it on the wire: the request-validation tag (which PutItem,
/// UpdateItem and DeleteItem already wrap) goes out bare, and `ExecuteStatement` carries its
/// condition failure's item in its own shape.
fn on_the_wire(operation: &str, error: DynoxideError) -> DynoxideError {
    match (operation, error) {
        (_, DynoxideError::EnvelopedValidation(message)) => {
            DynoxideError::ValidationException(message)
        }
        ("ExecuteStatement", DynoxideError::ConditionalCheckFailedException(m, Some(item))) => {
            DynoxideError::StatementConditionalCheckFailed(m, item)
        }
        (_, error) => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn call(db: &Database, op: &str, body: Value) -> (u16, Value) {
        let target = format!("{TARGET_PREFIX}{op}");
        let reply = dispatch(db, Some(&target), body.to_string().as_bytes());
        let doc = serde_json::from_str(&reply.body).expect("a JSON reply");
        (reply.status, doc)
    }

    fn table(db: &Database) {
        let (status, doc) = call(
            db,
            "CreateTable",
            json!({
                "TableName": "codes",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        );
        assert_eq!(status, 200, "{doc}");
    }

    #[test]
    fn operations_answer_as_dynamodb_does() {
        let db = Database::memory().expect("db");
        table(&db);
        let (status, doc) = call(&db, "ListTables", json!({}));
        assert_eq!((status, doc["TableNames"].clone()), (200, json!(["codes"])));
        let put = json!({
            "TableName": "codes",
            "Item": {"pk": {"S": "a"}, "v": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"
        });
        assert_eq!(call(&db, "PutItem", put.clone()).0, 200);
        let (status, doc) = call(&db, "PutItem", put);
        assert_eq!(status, 400);
        assert!(
            doc["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#ConditionalCheckFailedException")),
            "{doc}"
        );
        assert_eq!(doc["Item"]["v"], json!({"N": "1"}), "ALL_OLD comes back");
    }

    #[test]
    fn a_cancelled_transaction_names_its_reasons() {
        let db = Database::memory().expect("db");
        table(&db);
        let put = |pk: &str| {
            json!({"Put": {
                "TableName": "codes",
                "Item": {"pk": {"S": pk}},
                "ConditionExpression": "attribute_not_exists(pk)"
            }})
        };
        let twice = json!({"TransactItems": [put("a"), put("b")]});
        assert_eq!(call(&db, "TransactWriteItems", twice.clone()).0, 200);
        let (status, doc) = call(&db, "TransactWriteItems", twice);
        assert_eq!(status, 400);
        assert!(
            doc["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#TransactionCanceledException")),
            "{doc}"
        );
        assert_eq!(
            doc["CancellationReasons"][0]["Code"], "ConditionalCheckFailed",
            "{doc}"
        );
    }

    #[test]
    fn malformed_requests_are_refused_without_a_panic() {
        let db = Database::memory().expect("db");
        let unknown = dispatch(&db, Some("DynamoDB_20120810.DropEverything"), b"{}");
        assert_eq!(unknown, Reply::new(400, UNKNOWN_OPERATION_BARE));
        assert_eq!(
            dispatch(&db, None, b"{}"),
            Reply::new(400, UNKNOWN_OPERATION_BARE)
        );
        let target = Some("DynamoDB_20120810.PutItem");
        for body in [
            &b""[..],
            b"not json",
            b"\xff\xfe",
            b"[]",
            b"{\"TableName\": 5}",
        ] {
            let reply = dispatch(&db, target, body);
            assert_eq!(reply.status, 400, "{body:?}: {reply:?}");
            let doc: Value = serde_json::from_str(&reply.body).expect("JSON");
            assert!(doc["__type"].is_string(), "{body:?}: {doc}");
        }
        let (status, doc) = call(&db, "GetItem", json!({"TableName": "missing", "Key": {}}));
        assert_eq!(status, 400);
        assert!(doc["__type"].is_string());
    }
}
