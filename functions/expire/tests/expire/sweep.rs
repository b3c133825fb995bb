//! The sweep and the handler against the embedded engine, called directly.

use crate::common::{ending_campaign, scheduled_event, wait_for_the_end};
use lambda_runtime::{Context, LambdaEvent};
use promo_core::{CampaignStatus, CodeState, Timestamp};
use promo_store::Store;

#[tokio::test]
async fn the_handler_retires_unissued_codes_and_keeps_issued_ones() {
    let store = Store::embedded_memory().await.expect("engine");
    let (id, issued) = ending_campaign(&store, "spring", 7).await;
    let before = promo_expire::handle(
        &store,
        LambdaEvent::new(scheduled_event(), Context::default()),
    )
    .await
    .expect("sweep");
    assert_eq!(before.codes_retired, 0, "nothing is over yet");

    wait_for_the_end().await;
    let report = promo_expire::handle(
        &store,
        LambdaEvent::new(scheduled_event(), Context::default()),
    )
    .await
    .expect("sweep");
    assert_eq!(
        (
            report.campaigns_ended,
            report.codes_retired,
            report.campaigns_swept,
            report.more
        ),
        (1, 6, 1, false)
    );
    let code = store
        .get_code(&issued)
        .await
        .expect("read")
        .expect("the code");
    assert_eq!(code.code_state, CodeState::Issued);
    let campaign = store
        .get_campaign(&id)
        .await
        .expect("read")
        .expect("campaign");
    assert_eq!(campaign.status, CampaignStatus::Ended);

    let again = promo_expire::handle(
        &store,
        LambdaEvent::new(serde_json::json!({}), Context::default()),
    )
    .await
    .expect("sweep");
    assert_eq!(again.codes_retired, 0, "a swept campaign is left alone");
}

#[test]
fn the_fixture_is_a_real_scheduled_event() {
    let event: aws_lambda_events::eventbridge::EventBridgeEvent<serde_json::Value> =
        serde_json::from_value(scheduled_event()).expect("an EventBridge event");
    assert_eq!(event.detail_type, "Scheduled Event");
    assert_eq!(event.source, "aws.events");
}

#[tokio::test]
async fn small_batches_loop_until_done() {
    let store = Store::embedded_memory().await.expect("engine");
    ending_campaign(&store, "spring", 12).await;
    wait_for_the_end().await;
    let report = promo_expire::run_sweep(&store, Timestamp::now(), 5)
        .await
        .expect("sweep");
    assert_eq!(
        (report.codes_retired, report.campaigns_swept, report.more),
        (11, 1, false)
    );
}

#[tokio::test]
async fn a_passed_deadline_leaves_the_work_for_later() {
    let store = Store::embedded_memory().await.expect("engine");
    ending_campaign(&store, "spring", 3).await;
    wait_for_the_end().await;
    let mut context = Context::default();
    context.deadline = Timestamp::now().plus_ms(1_000).millis() as u64;
    let report = promo_expire::handle(&store, LambdaEvent::new(scheduled_event(), context))
        .await
        .expect("sweep");
    assert_eq!((report.codes_retired, report.more), (0, true));
}

#[test]
fn the_stock_metric_is_embedded_metric_format_for_the_low_stock_alarm() {
    let line = promo_expire::stock_metric_line("shop", "spring", 42, promo_core::Timestamp(1_000));
    let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let m = &v["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(m["Namespace"], "promo");
    assert_eq!(m["Metrics"][0]["Name"], "AvailableCodes");
    assert_eq!(m["Dimensions"][0], serde_json::json!(["Stack"]));
    assert_eq!(v["Stack"], "shop");
    assert_eq!(v["Campaign"], "spring");
    assert_eq!(v["AvailableCodes"], 42);
    assert_eq!(v["_aws"]["Timestamp"], 1_000);
}
