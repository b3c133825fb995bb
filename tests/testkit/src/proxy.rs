//! A loopback HTTP proxy to put between the store's SDK client and a DynamoDB-compatible server
//! (the embedded dynoxide engine), to make the store slow or, later, faulty on purpose.
//!
//! Each request the SDK sends is shown to a [`FaultPolicy`], which returns a [`Decision`]: how
//! long to hold the request, and what to do with it ([`Action`]): forward it, answer it
//! without forwarding (a synthetic `TransactionConflict`, throttling or 5xx reply, shaped exactly
//! as DynamoDB's JSON 1.0 protocol sends them: see [`dynamo_errors`]), forward it and answer an
//! error anyway (applied, but the client hears 500), or forward it and drop the reply (the write
//! commits, the client never hears). [`Delay`] slows the store down; [`Faults`] injects every
//! fault real DynamoDB produces under load, each at its own rate.
//!
//! The proxy also keeps a ledger of the write units each partition key takes
//! ([`StoreProxy::write_units_by_key`]), since it sees every request, and can emulate
//! DynamoDB's transaction conflicts between concurrent requests on the same item
//! ([`StoreProxy::with_contention`]), which no local engine does.
//!
//! ```no_run
//! # async fn demo() {
//! use promo_testkit::proxy::StoreProxy;
//! use promo_store::table::engine::EmbeddedEngine;
//! use std::time::Duration;
//!
//! let engine = EmbeddedEngine::memory().await.expect("engine");
//! let proxy = StoreProxy::delayed(engine.endpoint(), Duration::from_millis(300)).await;
//! let slow_store = proxy.store("promo");
//! # let _ = slow_store;
//! # }
//! ```
//!
//! The proxy speaks just enough HTTP/1.1 for the SDK: requests framed by `Content-Length`,
//! kept alive; one upstream connection per request (closed after the reply, so the reply is
//! relayed byte for byte whatever its framing).

use promo_store::Store;
use promo_store::table::engine::client_for;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a policy sees of one request.
#[derive(Debug, Clone)]
pub struct ProxyRequest {
    /// Requests seen before this one.
    pub seq: u64,
    /// The DynamoDB operation (`PutItem`, `TransactWriteItems`, ...) from `X-Amz-Target`.
    pub operation: String,
    /// How many items a `TransactWriteItems` or `TransactGetItems` names (0 for other
    /// operations): a cancellation carries one reason per item.
    pub transact_items: usize,
}

impl ProxyRequest {
    /// True for the operations that write (`PutItem`, `UpdateItem`, `DeleteItem`,
    /// `BatchWriteItem`, `TransactWriteItems`).
    pub fn is_write(&self) -> bool {
        is_write(&self.operation)
    }
}

fn is_write(operation: &str) -> bool {
    matches!(
        operation,
        "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems"
    )
}

/// What to do with a request once its delay has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Forward it and relay the reply.
    Forward,
    /// Do not forward; answer with this status and JSON body (e.g. DynamoDB's error shape
    /// `{"__type": "...#ThrottlingException", "message": "..."}`).
    Respond {
        /// The HTTP status.
        status: u16,
        /// The JSON body.
        body: String,
    },
    /// Forward it (the server acts on it), then close the client's connection without a reply:
    /// "committed but reply lost".
    ForwardAndDropReply,
    /// Forward it (the server acts on it), then answer with this status and body instead of the
    /// server's reply: DynamoDB's "500, the request may or may not have succeeded".
    ForwardAndRespond {
        /// The HTTP status.
        status: u16,
        /// The JSON body.
        body: String,
    },
}

/// A policy's verdict on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// How long to hold the request before acting.
    pub delay: Duration,
    /// What to do then.
    pub action: Action,
}

impl Decision {
    /// Forward at once.
    pub fn forward() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Forward,
        }
    }
}

/// Decides what happens to each request. Implementations keep their own state (counters,
/// random rates) behind `&self`.
pub trait FaultPolicy: Send + Sync + 'static {
    /// The verdict on `request`.
    fn decide(&self, request: &ProxyRequest) -> Decision;
}

/// Holds every request (optionally only those of one operation) for a delay that can be changed
/// while the proxy runs.
#[derive(Debug, Default)]
pub struct Delay {
    millis: AtomicU64,
    only: Option<String>,
}

impl Delay {
    /// Holds every request for `delay`.
    pub fn new(delay: Duration) -> Self {
        Self {
            millis: AtomicU64::new(delay.as_millis() as u64),
            only: None,
        }
    }

    /// Holds only requests of `operation` (e.g. `TransactWriteItems`).
    pub fn only(mut self, operation: &str) -> Self {
        self.only = Some(operation.to_owned());
        self
    }

    /// Changes the delay for requests from now on.
    pub fn set(&self, delay: Duration) {
        self.millis
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }
}

impl FaultPolicy for Delay {
    fn decide(&self, request: &ProxyRequest) -> Decision {
        let applies = self
            .only
            .as_deref()
            .is_none_or(|op| op == request.operation);
        Decision {
            delay: if applies {
                Duration::from_millis(self.millis.load(Ordering::Relaxed))
            } else {
                Duration::ZERO
            },
            action: Action::Forward,
        }
    }
}

/// DynamoDB's error replies, byte for byte as its JSON 1.0 protocol sends them (status 400 for
/// client-side errors such as throttling and conflicts, 500/503 for the service's own).
pub mod dynamo_errors {
    /// The `__type` prefix of DynamoDB's modeled errors.
    const NS: &str = "com.amazonaws.dynamodb.v20120810";

    /// A `TransactWriteItems` cancelled because another transaction holds item `conflicted` of
    /// its `items`: `TransactionCanceledException` with one cancellation reason per item, the
    /// conflicting one `TransactionConflict`, the others `None`. Status 400.
    pub fn transaction_conflict(items: usize, conflicted: usize) -> (u16, String) {
        let items = items.max(1);
        let reasons: Vec<serde_json::Value> = (0..items)
            .map(|i| {
                if i == conflicted % items {
                    serde_json::json!({
                        "Code": "TransactionConflict",
                        "Message": "Transaction is ongoing for the item"
                    })
                } else {
                    serde_json::json!({ "Code": "None" })
                }
            })
            .collect();
        let codes: Vec<&str> = (0..items)
            .map(|i| {
                if i == conflicted % items {
                    "TransactionConflict"
                } else {
                    "None"
                }
            })
            .collect();
        let body = serde_json::json!({
            "__type": format!("{NS}#TransactionCanceledException"),
            "CancellationReasons": reasons,
            "Message": format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                codes.join(", ")
            ),
        });
        (400, body.to_string())
    }

    /// A single-item write that met an ongoing transaction on its item:
    /// `TransactionConflictException`. Status 400.
    pub fn item_conflict() -> (u16, String) {
        (
            400,
            format!(
                r#"{{"__type":"{NS}#TransactionConflictException","message":"Transaction is ongoing for the item"}}"#
            ),
        )
    }

    /// `ProvisionedThroughputExceededException` (a partition or the table is over its
    /// capacity). Status 400.
    pub fn throughput_exceeded() -> (u16, String) {
        (
            400,
            format!(
                r#"{{"__type":"{NS}#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}}"#
            ),
        )
    }

    /// `ThrottlingException` (control-plane or on-demand throttling). Status 400.
    pub fn throttling() -> (u16, String) {
        (
            400,
            r#"{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#
                .to_owned(),
        )
    }

    /// `InternalServerError`: the request may or may not have been applied. Status 500.
    pub fn internal_error() -> (u16, String) {
        (
            500,
            format!(r#"{{"__type":"{NS}#InternalServerError","message":"Internal server error"}}"#),
        )
    }

    /// `ServiceUnavailable`. Status 503.
    pub fn unavailable() -> (u16, String) {
        (
            503,
            r#"{"__type":"com.amazon.coral.availability#ServiceUnavailableException","message":"Service unavailable"}"#
                .to_owned(),
        )
    }
}

/// The faults [`Faults`] injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A write meets another transaction: `TransactionCanceledException` with a
    /// `TransactionConflict` reason (or `TransactionConflictException` for a single item).
    /// Nothing is applied.
    Conflict,
    /// `ProvisionedThroughputExceededException` or `ThrottlingException`, alternately. Nothing
    /// is applied.
    Throttle,
    /// 500 or 503. Half the 500s on writes are applied before the error is answered.
    ServerError,
    /// The reply is held past the SDK's attempt time-out, then the request is applied anyway.
    Timeout,
    /// The request is applied and the connection closed without a reply.
    LostReply,
}

impl Fault {
    /// Every fault, in the order of [`FaultRates`].
    pub const ALL: [Fault; 5] = [
        Fault::Conflict,
        Fault::Throttle,
        Fault::ServerError,
        Fault::Timeout,
        Fault::LostReply,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Conflict => "transaction conflict",
            Fault::Throttle => "throttling",
            Fault::ServerError => "5xx",
            Fault::Timeout => "timeout",
            Fault::LostReply => "committed, reply lost",
        }
    }

    fn index(self) -> usize {
        match self {
            Fault::Conflict => 0,
            Fault::Throttle => 1,
            Fault::ServerError => 2,
            Fault::Timeout => 3,
            Fault::LostReply => 4,
        }
    }
}

/// The share of requests (0 to 1) each fault hits. Conflicts hit writes only (DynamoDB does not
/// report them on reads); the others hit any request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultRates {
    /// Transaction conflicts.
    pub conflict: f64,
    /// Throttling.
    pub throttle: f64,
    /// 500 / 503.
    pub server_error: f64,
    /// Replies held past the client's time-out.
    pub timeout: f64,
    /// Applied writes whose reply is lost.
    pub lost_reply: f64,
}

impl FaultRates {
    /// `total` spread evenly over the five faults.
    pub fn spread(total: f64) -> Self {
        let each = total.clamp(0.0, 1.0) / 5.0;
        Self {
            conflict: each,
            throttle: each,
            server_error: each,
            timeout: each,
            lost_reply: each,
        }
    }

    /// The sum of the rates.
    pub fn total(&self) -> f64 {
        self.conflict + self.throttle + self.server_error + self.timeout + self.lost_reply
    }

    fn of(&self, fault: Fault) -> f64 {
        match fault {
            Fault::Conflict => self.conflict,
            Fault::Throttle => self.throttle,
            Fault::ServerError => self.server_error,
            Fault::Timeout => self.timeout,
            Fault::LostReply => self.lost_reply,
        }
    }
}

/// How long [`Faults`] holds a timed-out request by default: past the store's 1.5 s attempt
/// time-out (`promo_store::table::config::timeouts`), so the SDK gives up and retries.
pub const DEFAULT_TIMEOUT_HOLD: Duration = Duration::from_millis(1_700);

/// Injects DynamoDB's faults at random, each at its rate, and counts what it injected.
#[derive(Debug)]
pub struct Faults {
    rates: FaultRates,
    hold: Duration,
    rng: AtomicU64,
    injected: [AtomicU64; 5],
    enabled: std::sync::atomic::AtomicBool,
}

impl Faults {
    /// Faults at `rates`, from a fixed seed (runs differ only by scheduling).
    pub fn new(rates: FaultRates) -> Self {
        Self {
            rates,
            hold: DEFAULT_TIMEOUT_HOLD,
            rng: AtomicU64::new(0x005e_ed0f_fa17),
            injected: Default::default(),
            enabled: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Seeds the random choice.
    pub fn seeded(self, seed: u64) -> Self {
        self.rng.store(seed, Ordering::Relaxed);
        self
    }

    /// Holds timed-out requests for `hold` instead of [`DEFAULT_TIMEOUT_HOLD`].
    pub fn hold_timeouts_for(mut self, hold: Duration) -> Self {
        self.hold = hold;
        self
    }

    /// Turns injection on or off (off: every request is forwarded untouched), e.g. to set up a
    /// campaign before the faults start, or to audit after they stop.
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    /// How many of `fault` were injected so far.
    pub fn injected(&self, fault: Fault) -> u64 {
        self.injected[fault.index()].load(Ordering::Relaxed)
    }

    /// Every fault with its count so far.
    pub fn counts(&self) -> Vec<(Fault, u64)> {
        Fault::ALL.iter().map(|f| (*f, self.injected(*f))).collect()
    }

    /// A uniform number in `[0, 1)` (SplitMix64 over an atomic counter: lock-free, and good
    /// enough to pick faults).
    fn uniform(&self) -> f64 {
        let mut z = self
            .rng
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&self, request: &ProxyRequest) -> Option<Fault> {
        if !self.enabled.load(Ordering::Relaxed) {
            return None;
        }
        let mut roll = self.uniform();
        for fault in Fault::ALL {
            let rate = self.rates.of(fault);
            if roll < rate {
                // Conflicts exist only on writes; a read that drew one goes through.
                if fault == Fault::Conflict && !request.is_write() {
                    return None;
                }
                return Some(fault);
            }
            roll -= rate;
        }
        None
    }
}

impl FaultPolicy for Faults {
    fn decide(&self, request: &ProxyRequest) -> Decision {
        let Some(fault) = self.pick(request) else {
            return Decision::forward();
        };
        self.injected[fault.index()].fetch_add(1, Ordering::Relaxed);
        fault_decision(fault, request, self.uniform(), self.hold)
    }
}

/// What `fault` does to `request`; `roll` (uniform in `[0, 1)`) picks between its variants.
fn fault_decision(fault: Fault, request: &ProxyRequest, roll: f64, hold: Duration) -> Decision {
    let respond = |(status, body): (u16, String)| Decision {
        delay: Duration::ZERO,
        action: Action::Respond { status, body },
    };
    let flip = roll < 0.5;
    match fault {
        Fault::Conflict if request.transact_items > 0 => {
            let which = (roll * request.transact_items as f64) as usize;
            respond(dynamo_errors::transaction_conflict(
                request.transact_items,
                which,
            ))
        }
        Fault::Conflict => respond(dynamo_errors::item_conflict()),
        Fault::Throttle if flip => respond(dynamo_errors::throughput_exceeded()),
        Fault::Throttle => respond(dynamo_errors::throttling()),
        Fault::ServerError if flip && request.is_write() => {
            let (status, body) = dynamo_errors::internal_error();
            Decision {
                delay: Duration::ZERO,
                action: Action::ForwardAndRespond { status, body },
            }
        }
        Fault::ServerError if flip => respond(dynamo_errors::internal_error()),
        Fault::ServerError => respond(dynamo_errors::unavailable()),
        Fault::Timeout => Decision {
            delay: hold,
            action: Action::Forward,
        },
        Fault::LostReply => Decision {
            delay: Duration::ZERO,
            action: Action::ForwardAndDropReply,
        },
    }
}

/// Injects one fault into the next `times` requests of one operation, then forwards everything:
/// for tests that prove how the store handles exactly one kind of fault.
#[derive(Debug)]
pub struct Scripted {
    operation: String,
    fault: Fault,
    left: AtomicU64,
    hold: Duration,
    /// Alternates between a fault's variants (e.g. 500 applied and not applied).
    turn: AtomicU64,
}

impl Scripted {
    /// `fault` on the next `times` requests of `operation` (e.g. `TransactWriteItems`).
    pub fn new(operation: &str, fault: Fault, times: u64) -> Self {
        Self {
            operation: operation.to_owned(),
            fault,
            left: AtomicU64::new(times),
            hold: DEFAULT_TIMEOUT_HOLD,
            turn: AtomicU64::new(0),
        }
    }

    /// Faults still to inject.
    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Relaxed)
    }
}

impl FaultPolicy for Scripted {
    fn decide(&self, request: &ProxyRequest) -> Decision {
        if request.operation != self.operation {
            return Decision::forward();
        }
        let took = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if took.is_err() {
            return Decision::forward();
        }
        let roll = if self.turn.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            0.25
        } else {
            0.75
        };
        fault_decision(self.fault, request, roll, self.hold)
    }
}

/// Write units per partition key, as DynamoDB would bill them for the requests the proxy
/// forwarded: 1 per item written, 2 per item of a transaction (items are under 1 KB), plus 1 for
/// each index partition key a write sets (`gsi1pk`, `gsi2pk`; index writes are not doubled by
/// transactions). Index entries a write removes are not seen (their key is in the old item).
#[derive(Debug, Default)]
struct Ledger {
    units: Mutex<HashMap<String, f64>>,
}

impl Ledger {
    /// Books a forwarded write. Table items are billed whether or not their conditions held;
    /// index entries are written only when the write was `applied`.
    fn record(&self, operation: &str, body: &Value, applied: bool) {
        let mut touched: Vec<(String, f64)> = Vec::new();
        match operation {
            "PutItem" => item_keys(&body["Item"], 1.0, &mut touched),
            "UpdateItem" => update_keys(body, 1.0, &mut touched),
            "DeleteItem" => key_of(&body["Key"], 1.0, &mut touched),
            "TransactWriteItems" => {
                for t in body["TransactItems"].as_array().into_iter().flatten() {
                    if t.get("Put").is_some() {
                        item_keys(&t["Put"]["Item"], 2.0, &mut touched);
                    } else if t.get("Update").is_some() {
                        update_keys(&t["Update"], 2.0, &mut touched);
                    } else if t.get("Delete").is_some() {
                        key_of(&t["Delete"]["Key"], 2.0, &mut touched);
                    } else if t.get("ConditionCheck").is_some() {
                        key_of(&t["ConditionCheck"]["Key"], 2.0, &mut touched);
                    }
                }
            }
            "BatchWriteItem" => {
                for writes in body["RequestItems"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                {
                    for w in writes.as_array().into_iter().flatten() {
                        if w.get("PutRequest").is_some() {
                            item_keys(&w["PutRequest"]["Item"], 1.0, &mut touched);
                        } else {
                            key_of(&w["DeleteRequest"]["Key"], 1.0, &mut touched);
                        }
                    }
                }
            }
            _ => return,
        }
        if touched.is_empty() {
            return;
        }
        let mut units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        for (pk, u) in touched {
            if !applied && u.is_nan() {
                continue;
            }
            let u = if u.is_nan() { 1.0 } else { u };
            *units.entry(pk).or_default() += u;
        }
    }
}

/// Marks an index entry in the ledger's list: 1 unit, booked only if the write applied.
const INDEX_UNIT: f64 = f64::NAN;

fn string_attr(v: &Value) -> Option<String> {
    v.get("S").and_then(Value::as_str).map(str::to_owned)
}

fn key_of(key: &Value, units: f64, out: &mut Vec<(String, f64)>) {
    if let Some(pk) = string_attr(&key["pk"]) {
        out.push((pk, units));
    }
}

fn item_keys(item: &Value, units: f64, out: &mut Vec<(String, f64)>) {
    key_of(item, units, out);
    for gsi in ["gsi1pk", "gsi2pk"] {
        if let Some(pk) = string_attr(&item[gsi]) {
            out.push((pk, INDEX_UNIT));
        }
    }
}

/// The table key of an update, and the index keys its `SET` clause gives a value
/// (`gsi2pk = :g2pk`, looked up in `ExpressionAttributeValues`).
fn update_keys(update: &Value, units: f64, out: &mut Vec<(String, f64)>) {
    key_of(&update["Key"], units, out);
    let expression = update["UpdateExpression"].as_str().unwrap_or_default();
    let set = expression
        .split("REMOVE")
        .next()
        .unwrap_or_default()
        .trim_start_matches("SET");
    for assignment in set.split(',') {
        let Some((name, value)) = assignment.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let name = update["ExpressionAttributeNames"][name]
            .as_str()
            .unwrap_or(name);
        if name == "gsi1pk" || name == "gsi2pk" {
            let placeholder = value.trim();
            if let Some(pk) = string_attr(&update["ExpressionAttributeValues"][placeholder]) {
                out.push((pk, INDEX_UNIT));
            }
        }
    }
}

/// The items (table, pk, sk) a write names, for conflict emulation.
fn written_items(operation: &str, body: &Value) -> Vec<String> {
    let table = |v: &Value| v["TableName"].as_str().unwrap_or_default().to_owned();
    let id = |table: String, key: &Value| format!("{table}|{}|{}", key["pk"], key["sk"]);
    match operation {
        "PutItem" => vec![id(table(body), &body["Item"])],
        "UpdateItem" | "DeleteItem" => vec![id(table(body), &body["Key"])],
        "TransactWriteItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let (kind, inner) = t.as_object()?.iter().next()?;
                let key = if kind == "Put" {
                    &inner["Item"]
                } else {
                    &inner["Key"]
                };
                Some(id(table(inner), key))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Items held by writes in flight, for DynamoDB-like transaction conflicts.
#[derive(Debug, Default)]
struct Contention {
    held: Mutex<HashMap<String, u32>>,
    conflicts: AtomicU64,
}

impl Contention {
    /// Takes `items` for a write, or returns the index of the first one another transaction
    /// holds. A transaction conflicts with any write in flight on its items; a single-item
    /// write conflicts only with transactions (which is what DynamoDB's item locks do).
    fn acquire(&self, items: &[String], transaction: bool) -> Result<(), usize> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = items
            .iter()
            .position(|k| held.get(k).is_some_and(|n| *n > 0))
            && (transaction || held.get(&items[i]).is_some_and(|n| *n >= TX_BIT))
        {
            self.conflicts.fetch_add(1, Ordering::Relaxed);
            return Err(i);
        }
        for k in items {
            let n = held.entry(k.clone()).or_default();
            *n += if transaction { TX_BIT } else { 1 };
        }
        Ok(())
    }

    fn release(&self, items: &[String], transaction: bool) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        for k in items {
            if let Some(n) = held.get_mut(k) {
                *n -= if transaction { TX_BIT } else { 1 };
                if *n == 0 {
                    held.remove(k);
                }
            }
        }
    }
}

/// Transactions count in the high half of an item's hold count, single writes in the low.
const TX_BIT: u32 = 1 << 16;

struct Shared {
    upstream: String,
    policy: Arc<dyn FaultPolicy>,
    seen: AtomicU64,
    ledger: Ledger,
    contention: Option<Contention>,
}

/// A running proxy on 127.0.0.1. Stops when dropped.
pub struct StoreProxy {
    endpoint: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl StoreProxy {
    /// Starts a proxy in front of `upstream` (an endpoint URL such as
    /// `http://127.0.0.1:40123`) with `policy`.
    pub async fn start(upstream: &str, policy: Arc<dyn FaultPolicy>) -> Self {
        Self::launch(upstream, policy, false).await
    }

    /// Like [`StoreProxy::start`], and also answers a write with DynamoDB's transaction
    /// conflict while a transaction on one of its items is in flight (and a transaction while
    /// any write on its items is): what real DynamoDB does to concurrent writers of one item,
    /// and what the embedded engine, which serializes everything, never does.
    pub async fn with_contention(upstream: &str, policy: Arc<dyn FaultPolicy>) -> Self {
        Self::launch(upstream, policy, true).await
    }

    async fn launch(upstream: &str, policy: Arc<dyn FaultPolicy>, contention: bool) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            upstream,
            policy,
            seen: AtomicU64::new(0),
            ledger: Ledger::default(),
            contention: contention.then(Contention::default),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, accept.clone()));
            }
        });
        Self {
            endpoint: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// Starts a proxy that holds every request for `delay`.
    pub async fn delayed(upstream: &str, delay: Duration) -> Self {
        Self::start(upstream, Arc::new(Delay::new(delay))).await
    }

    /// Starts a proxy that injects `faults`; keep a clone of the `Arc` to read its counts.
    pub async fn faulty(upstream: &str, faults: Arc<Faults>) -> Self {
        Self::start(upstream, faults).await
    }

    /// The proxy's endpoint URL, for `client_for`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A store on `table` whose every request goes through the proxy.
    pub fn store(&self, table: &str) -> Store {
        Store::new(client_for(&self.endpoint), table)
    }

    /// Requests seen so far.
    pub fn requests(&self) -> u64 {
        self.shared.seen.load(Ordering::Relaxed)
    }

    /// Conflicts answered by contention emulation so far (0 without it).
    pub fn contention_conflicts(&self) -> u64 {
        self.shared
            .contention
            .as_ref()
            .map_or(0, |c| c.conflicts.load(Ordering::Relaxed))
    }

    /// Write units each partition key (table and index keys) took through this proxy, the
    /// busiest first. Keys can carry codes (`K#<CODE>`): pass them through [`key_kind`] before
    /// showing them anywhere.
    pub fn write_units_by_key(&self) -> Vec<(String, f64)> {
        let units = self
            .shared
            .ledger
            .units
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(String, f64)> = units.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all
    }

    /// Forgets the write ledger (e.g. after setting up a campaign).
    pub fn reset_ledger(&self) {
        self.shared
            .ledger
            .units
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// A partition key as it may be shown: code keys (`K#<CODE>`) and follower keys lose their
/// secret or personal part; campaign, pool-shard and listing keys are shown whole.
pub fn key_kind(pk: &str) -> String {
    match pk.split_once('#') {
        Some(("K", _)) => "K#<code>".to_owned(),
        Some(("F", rest)) => format!(
            "F#{}#<follower>",
            rest.split('#').next().unwrap_or_default()
        ),
        Some(("D", rest)) => format!(
            "D#{}#<delivery>",
            rest.split('#').next().unwrap_or_default()
        ),
        _ => pk.to_owned(),
    }
}

impl Drop for StoreProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One client connection: requests one after another (keep-alive).
async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = read_request(&mut client, &mut buf).await else {
            return;
        };
        let operation = header(&head, "x-amz-target")
            .and_then(|t| t.rsplit('.').next().map(str::to_owned))
            .unwrap_or_default();
        let parsed: Value = if is_write(&operation) || operation.starts_with("Transact") {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let request = ProxyRequest {
            seq: shared.seen.fetch_add(1, Ordering::Relaxed),
            transact_items: parsed["TransactItems"].as_array().map_or(0, Vec::len),
            operation,
        };
        let decision = shared.policy.decide(&request);
        if !decision.delay.is_zero() {
            tokio::time::sleep(decision.delay).await;
        }
        let reply = match &decision.action {
            Action::Respond { status, body } => synthetic(*status, body),
            Action::Forward | Action::ForwardAndDropReply | Action::ForwardAndRespond { .. } => {
                match relay(&shared, &request, &parsed, &head, &body).await {
                    Relayed::Reply(reply) => match &decision.action {
                        Action::ForwardAndRespond { status, body } => synthetic(*status, body),
                        _ => reply,
                    },
                    Relayed::Conflict(reply) => reply,
                    Relayed::Unreachable => synthetic(502, r#"{"message":"upstream unreachable"}"#),
                }
            }
        };
        if decision.action == Action::ForwardAndDropReply {
            return;
        }
        if client.write_all(&reply).await.is_err() {
            return;
        }
        let closing = reply_head(&reply)
            .and_then(|h| header(h, "connection"))
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if closing {
            return;
        }
    }
}

enum Relayed {
    Reply(Vec<u8>),
    /// Not forwarded: contention emulation answered a conflict.
    Conflict(Vec<u8>),
    Unreachable,
}

/// Forwards a request, holding its items against concurrent writers when contention is
/// emulated, and books its write units.
async fn relay(
    shared: &Shared,
    request: &ProxyRequest,
    parsed: &Value,
    head: &str,
    body: &[u8],
) -> Relayed {
    let transaction = request.operation == "TransactWriteItems";
    let items = match &shared.contention {
        Some(_) => written_items(&request.operation, parsed),
        None => Vec::new(),
    };
    if let Some(contention) = &shared.contention
        && let Err(i) = contention.acquire(&items, transaction)
    {
        let (status, body) = if transaction {
            dynamo_errors::transaction_conflict(request.transact_items, i)
        } else {
            dynamo_errors::item_conflict()
        };
        return Relayed::Conflict(synthetic(status, &body));
    }
    let reply = forward(&shared.upstream, head, body).await;
    let applied = reply
        .as_deref()
        .and_then(reply_head)
        .is_some_and(|h| h.split_whitespace().nth(1) == Some("200"));
    shared.ledger.record(&request.operation, parsed, applied);
    if let Some(contention) = &shared.contention {
        contention.release(&items, transaction);
    }
    match reply {
        Some(reply) => Relayed::Reply(reply),
        None => Relayed::Unreachable,
    }
}

/// Reads one request (head and `Content-Length` body); `None` at the end of the connection.
async fn read_request(client: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).ok()?;
    let len: usize = header(&head, "content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[end..end + len].to_vec();
    buf.drain(..end + len);
    Some((head, body))
}

/// Sends the request upstream on a fresh connection (asking the server to close it after the
/// reply) and returns the reply's bytes.
async fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    let mut out = String::new();
    for line in head.trim_end().split("\r\n") {
        if line
            .split(':')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("connection: close\r\n\r\n");
    server.write_all(out.as_bytes()).await.ok()?;
    server.write_all(body).await.ok()?;
    let mut reply = Vec::new();
    server.read_to_end(&mut reply).await.ok()?;
    // The reply says `connection: close`; keep the client's connection open instead.
    Some(keep_alive(reply))
}

fn keep_alive(reply: Vec<u8>) -> Vec<u8> {
    let Some(end) = find(&reply, b"\r\n\r\n") else {
        return reply;
    };
    let Ok(head) = std::str::from_utf8(&reply[..end]) else {
        return reply;
    };
    // Only a reply framed by Content-Length can be relayed on a kept-alive connection.
    if header(head, "content-length").is_none() {
        return reply;
    }
    let mut out: Vec<u8> = head
        .split("\r\n")
        .filter(|l| {
            !l.split(':')
                .next()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("connection"))
        })
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(&reply[end..]);
    out
}

fn synthetic(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Proxy\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn reply_head(reply: &[u8]) -> Option<&str> {
    let end = find(reply, b"\r\n\r\n")?;
    std::str::from_utf8(&reply[..end]).ok()
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
