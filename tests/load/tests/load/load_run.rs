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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_code_under_faults_and_redeliveries_goes_to_exactly_its_uses() {
    let options = LoadOptions {
        followers: 120,
        concurrency: 32,
        codes: Some(60),
        fault_rate: 0.1,
        time_limit_secs: 90,
        group: true,
        ..LoadOptions::default()
    };
    let report = promo_load::run(&options).await.expect("the run completes");
    println!("{}", report.table());
    assert!(
        report.verdict.clean(),
        "violations: {:#?}",
        report.verdict.violations
    );
    assert_eq!(report.verdict.pool, 60, "one seat per use");
    // 120 followers ask for 60 uses, some through quota lanes that run out first.
    assert!(report.verdict.issued > 30, "{}", report.verdict.issued);
    assert!(report.verdict.issued <= 60, "never more than its uses");
    for o in &report.driven.observations {
        if let Outcome::Code(code) = &o.outcome {
            assert_eq!(code, promo_load::world::GROUP_CODE);
        }
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
