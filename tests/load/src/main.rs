//! `promo-load`: one bounded load-and-fault run on loopback; prints one table and exits
//! non-zero on any invariant violation.

use clap::Parser;
use promo_load::LoadOptions;
use std::process::ExitCode;

/// Drives claims through the real handlers with DynamoDB faults injected, then checks every
/// invariant against the table.
#[derive(Debug, Parser)]
#[command(name = "promo-load", version)]
struct Cli {
    #[command(flatten)]
    options: LoadOptions,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match promo_load::run(&cli.options).await {
        Ok(report) => {
            println!("{}", report.table());
            if report.verdict.clean() {
                ExitCode::SUCCESS
            } else {
                for v in &report.verdict.violations {
                    eprintln!("violation: {v}");
                }
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("promo-load: {e:#}");
            ExitCode::from(2)
        }
    }
}
