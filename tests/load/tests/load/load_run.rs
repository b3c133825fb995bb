//! The whole harness, bounded for CI: every handler, repeats, redeliveries, and a tenth of all
//! DynamoDB calls meeting a fault; zero violations.

use promo_load::LoadOptions;
use promo_load::drive::Outcome;
use promo_load::plan::Channel;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_percent_faults_break_no_invariant_through_every_handler() {
    let options = LoadOptions {
        followers: 150,
        concurrency: 32,
        repeat_share: 0.3,
        redelivery_share: 0.3,
        fault_rate: 0.1,
        time_limit_secs: 90,
        ..LoadOptions::default()
    };
    let report = promo_load::run(&options).await.expect("the run completes");
    println!("{}", report.table());
    assert!(
        report.verdict.clean(),
        "violations: {:#?}",
        report.verdict.violations
    );
    assert_eq!(report.driven.skipped, 0, "every follower ran");
    assert!(report.verdict.issued > 50, "codes were issued");
    assert!(report.verdict.shown > 50, "followers saw their codes");
    for (fault, n) in &report.faults {
        assert!(*n > 0, "no {} was injected", fault.name());
    }
    let coded = |c: Channel| {
        report
            .driven
            .observations
            .iter()
            .filter(|o| o.channel == c && matches!(o.outcome, Outcome::Code(_) | Outcome::Answered))
            .count()
    };
    for c in Channel::ALL {
        assert!(coded(c) > 10, "{} handed out codes", c.name());
    }
}

#[tokio::test]
async fn out_of_range_options_are_refused() {
    let options = LoadOptions {
        fault_rate: 1.5,
        ..LoadOptions::default()
    };
    let err = promo_load::run(&options).await.expect_err("refused");
    assert!(err.to_string().contains("fault-rate"), "{err}");
}
