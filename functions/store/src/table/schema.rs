//! The one table definition. The embedded engine's table, `promo table create` and the SAM
//! template all come from here.
//!
//! | item | pk | sk | indexed |
//! |---|---|---|---|
//! | campaign | `C#<campaign>` | `META` | gsi2: `CAMPAIGNS` / id |
//! | influencer | `C#<campaign>` | `I#<influencer>` | |
//! | code | `K#<CODE>` | `K` | gsi1 while available: `A#<campaign>#<lane>#<shard>` / release time; gsi2 once redeemed: `S#<campaign>#<influencer>#<shard>` / redemption time |
//! | group code | `K#<CODE>` | `K` | (`kind = group`: reserves the code; the claim path never reads it) |
//! | group-code seat | `K#<CODE>#<seat>` | `K` | as a code: one use of a group code, seats 1 to N spread over the shards |
//! | claim | `F#<campaign>#<claim shard>` (64 per campaign, by follower) | `<platform>#<user>` | (the listing of issued codes) |
//! | webhook delivery | `D#<source>#<id>` | `D` | (TTL 48 h) |
//! | settings document | `SET#<scope>` | `<name>` | |
//! | influencer account | `U#<platform>#<user>` | `I#<campaign>#<influencer>` | |
//! | waiting follower | `W#<campaign>#<shard>` | `<platform>#<user>` | (TTL) |
//! | Amazon order credit | `O#<order>#<promotion>` | `O` | gsi2: `R#<campaign>#<influencer>` / date#order |
//!
//! A code's lane is `~open`, an influencer id, `~overcap` (shared codes over the total cap, moved
//! into a lane when the cap is raised) or `~reserve` (held out for an influencer, never issued).
//! The campaign item keeps `issuable` (codes in the open and influencer lanes, issued or not: what
//! the cap counts), `next_seq` (the next drip sequence number, only growing) and `drip_from` (the
//! anchor of a changed drip).

use crate::table::error::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

/// The table name used when none is configured (the embedded engine).
pub const DEFAULT_TABLE: &str = "promo";
/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// The available-codes index: a sparse index of codes still in the pool, by lane and shard,
/// sorted by release time.
pub const GSI_AVAILABLE: &str = "gsi1";
/// The listing index: campaigns, redeemed codes by influencer and shard, and Amazon order
/// credits by influencer.
pub const GSI_LISTING: &str = "gsi2";
/// The TTL attribute (epoch seconds), for records that may be forgotten.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// One attribute of a key: its name and DynamoDB type (`S` or `N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttr {
    /// Attribute name.
    pub name: &'static str,
    /// `S` or `N`.
    pub kind: &'static str,
}

/// A global secondary index's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    /// Index name.
    pub name: &'static str,
    /// Partition key.
    pub pk: KeyAttr,
    /// Sort key.
    pub sk: KeyAttr,
    /// Non-key attributes projected (empty: keys only).
    pub include: &'static [&'static str],
}

/// The whole table's definition, as data so that tests can compare the SAM template with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    /// Partition key.
    pub pk: KeyAttr,
    /// Sort key.
    pub sk: KeyAttr,
    /// Global secondary indexes.
    pub indexes: Vec<IndexDef>,
    /// TTL attribute.
    pub ttl_attribute: &'static str,
}

/// The table definition.
pub fn table_def() -> TableDef {
    TableDef {
        pk: KeyAttr {
            name: PK,
            kind: "S",
        },
        sk: KeyAttr {
            name: SK,
            kind: "S",
        },
        indexes: vec![
            IndexDef {
                name: GSI_AVAILABLE,
                pk: KeyAttr {
                    name: "gsi1pk",
                    kind: "S",
                },
                sk: KeyAttr {
                    name: "gsi1sk",
                    kind: "N",
                },
                include: &[],
            },
            IndexDef {
                name: GSI_LISTING,
                pk: KeyAttr {
                    name: "gsi2pk",
                    kind: "S",
                },
                sk: KeyAttr {
                    name: "gsi2sk",
                    kind: "S",
                },
                include: &[
                    "code_state",
                    "influencer",
                    "claimed_at",
                    "redeemed_at",
                    "campaign",
                    "follower",
                ],
            },
        ],
        ttl_attribute: TTL_ATTRIBUTE,
    }
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(StoreError::build)
}

fn attr(a: KeyAttr) -> Result<AttributeDefinition, StoreError> {
    let kind = if a.kind == "N" {
        ScalarAttributeType::N
    } else {
        ScalarAttributeType::S
    };
    AttributeDefinition::builder()
        .attribute_name(a.name)
        .attribute_type(kind)
        .build()
        .map_err(StoreError::build)
}

/// Creates the table (on-demand billing) if it is missing, and enables TTL on it.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), StoreError> {
    if client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .is_ok()
    {
        return Ok(());
    }
    let def = table_def();
    let mut req = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(def.pk.name, KeyType::Hash)?)
        .key_schema(key(def.sk.name, KeyType::Range)?)
        .attribute_definitions(attr(def.pk)?)
        .attribute_definitions(attr(def.sk)?);
    for ix in &def.indexes {
        let projection = if ix.include.is_empty() {
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build()
        } else {
            let mut p = Projection::builder().projection_type(ProjectionType::Include);
            for a in ix.include {
                p = p.non_key_attributes(*a);
            }
            p.build()
        };
        req = req
            .attribute_definitions(attr(ix.pk)?)
            .attribute_definitions(attr(ix.sk)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(ix.name)
                    .key_schema(key(ix.pk.name, KeyType::Hash)?)
                    .key_schema(key(ix.sk.name, KeyType::Range)?)
                    .projection(projection)
                    .build()
                    .map_err(StoreError::build)?,
            );
    }
    match req.send().await {
        Ok(_) => {}
        // Another process created it first.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => return Err(StoreError::sdk("CreateTable", e)),
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(def.ttl_attribute)
                .enabled(true)
                .build()
                .map_err(StoreError::build)?,
        )
        .send()
        .await
        .map_err(|e| StoreError::sdk("UpdateTimeToLive", e))?;
    Ok(())
}
