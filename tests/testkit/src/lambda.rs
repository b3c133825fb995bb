//! Running a real Lambda binary in a test: a dynoxide server the child process reaches through
//! the standard AWS configuration, and the child under a [`FakeRuntimeApi`].

use crate::runtime_api::FakeRuntimeApi;
use promo_store::Store;
use promo_store::table::engine::{EmbeddedEngine, client_for};

/// The table name the Lambda children use.
pub const TABLE: &str = "promo";

/// A dynoxide server with the table created, and a store on it for the test's own checks.
pub struct SharedEngine {
    /// The running engine.
    pub engine: EmbeddedEngine,
    /// A store on the same table as the child.
    pub store: Store,
}

impl SharedEngine {
    /// Starts an in-memory engine and creates the table.
    pub async fn start() -> Self {
        let engine = EmbeddedEngine::memory().await.expect("engine starts");
        let store = Store::new(client_for(engine.endpoint()), TABLE);
        store.ensure_table().await.expect("table created");
        Self { engine, store }
    }

    /// The environment that points a child's store at this engine, as on AWS: `PROMO_TABLE`,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, a region and placeholder credentials.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        [
            ("PROMO_TABLE", TABLE),
            ("AWS_ENDPOINT_URL_DYNAMODB", self.engine.endpoint()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }
}

/// Spawns the Lambda binary at `path` (a test's `env!("CARGO_BIN_EXE_<name>")`) under `api`, on
/// `engine`, with `extra` variables. The child is killed when the handle is dropped.
pub fn spawn_lambda(
    path: &str,
    api: &FakeRuntimeApi,
    engine: &SharedEngine,
    extra: &[(&str, &str)],
) -> tokio::process::Child {
    tokio::process::Command::new(path)
        .envs(api.lambda_env())
        .envs(engine.aws_env())
        .envs(extra.iter().copied())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the Lambda binary")
}

/// The JSON body of an API Gateway proxy answer (`{"statusCode", "body": "<json>"}`).
pub fn answer_body(answer: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(answer["body"].as_str().expect("an answer body"))
        .expect("a JSON answer body")
}
