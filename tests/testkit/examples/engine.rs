//! **Test harnesses only.** The embedded dynoxide engine on a loopback port, for shell harnesses
//! that run real Lambda binaries as child processes of another program (the cargo-lambda
//! emulator in `tests/contracts/lambda/emulator.sh`): they reach it as DynamoDB through
//! `AWS_ENDPOINT_URL_DYNAMODB`, as the in-repo tests' children do ([`promo_testkit::lambda`]).
//!
//! `cargo run -p promo-testkit --example engine` starts an in-memory engine (no table: create it
//! with `promo table create`), prints its endpoint (`http://127.0.0.1:<port>`) as the one line of
//! its standard output, and serves until it is sent SIGTERM or SIGINT. The port has no
//! authentication (see `EmbeddedEngine::serve_loopback`); everything is lost when it stops.

use promo_store::table::engine::EmbeddedEngine;
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = EmbeddedEngine::memory().await?;
    let endpoint = engine.serve_loopback()?.to_owned();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{endpoint}")?;
        out.flush()?;
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(engine);
    Ok(())
}
