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
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
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
