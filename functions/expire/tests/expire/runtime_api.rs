//! The real `promo-expire` binary under a fake Lambda Runtime API, on a dynoxide server, driven with an
//! EventBridge scheduled event.

use crate::common::{ending_campaign, scheduled_event, wait_for_the_end};
use promo_core::CodeState;
use promo_store::Store;
use promo_store::table::engine::{EmbeddedEngine, client_for};
use promo_testkit::runtime_api::FakeRuntimeApi;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_binary_sweeps_on_a_scheduled_event() {
    let engine = EmbeddedEngine::memory().await.expect("engine");
    let store = Store::new(client_for(engine.endpoint()), "promo");
    store.ensure_table().await.expect("table");
    let (_, issued) = ending_campaign(&store, "spring", 5).await;

    let api = FakeRuntimeApi::start().await;
    let _child = tokio::process::Command::new(env!("CARGO_BIN_EXE_promo-expire"))
        .envs(api.lambda_env())
        .env("PROMO_TABLE", "promo")
        .env("AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("PROMO_EXPIRE_BATCH", "2")
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the promo-expire binary");
    api.wait_ready(WAIT)
        .await
        .expect("the runtime polls for events");
    wait_for_the_end().await;

    let report = api.invoke(scheduled_event(), WAIT).await.expect("a report");
    assert_eq!(report["campaigns_ended"], 1, "{report}");
    assert_eq!(report["codes_retired"], 4, "{report}");
    assert_eq!(report["more"], false, "{report}");
    let code = store
        .get_code(&issued)
        .await
        .expect("read")
        .expect("the code");
    assert_eq!(code.code_state, CodeState::Issued);
}
