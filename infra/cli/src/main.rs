//! `promo`: the seller's command line. This file only dispatches; each command lives in its
//! own module.

mod alerts;
mod campaign;
mod cli;
mod codes;
mod demo;
mod discord;
mod export;
mod influencer;
mod orders;
mod output;
mod overview;
mod sample;
mod serve;
mod service;
mod stats;
mod store;
mod table;
mod telegram;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `promo stats x | head` closes the pipe before promo is done, and Rust's `println!` panics
/// on the broken pipe. The reader has what it wanted: exit as a Unix tool killed by SIGPIPE
/// does (141), without a panic message. Any other panic goes to the default hook.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Serve(args) => serve::run(&cli.data, args).await.map(|()| 0),
        Command::Campaign(cmd) => campaign::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Codes(cmd) => codes::run(&store::connect(&cli.data).await?, cmd).await,
        Command::Influencer(cmd) => influencer::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Stats(args) => stats::run(&store::connect(&cli.data).await?, args)
            .await
            .map(|()| 0),
        Command::Export(cmd) => export::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Orders(cmd) => orders::run(&store::connect(&cli.data).await?, cmd).await,
        Command::Telegram(cmd) => telegram::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Discord(cmd) => discord::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Overview(cmd) => overview::run(&store::connect(&cli.data).await?, cmd)
            .await
            .map(|()| 0),
        Command::Alerts(args) => alerts::run(&store::connect(&cli.data).await?, args)
            .await
            .map(|()| 0),
        Command::Table(cmd) => {
            let config = store::config(&cli.data);
            table::run(&store::connect(&cli.data).await?, &config, cmd)
                .await
                .map(|()| 0)
        }
    }
}
