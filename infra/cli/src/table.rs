//! `promo table ...`: the DynamoDB table itself.

use crate::cli::TableCommand;
use anyhow::Context;
use promo_store::{Backend, Store, StoreConfig};

/// Runs a table subcommand.
pub async fn run(store: &Store, config: &StoreConfig, command: TableCommand) -> anyhow::Result<()> {
    match command {
        TableCommand::Create => {
            store
                .ensure_table()
                .await
                .with_context(|| format!("creating table {}", store.table()))?;
            match &config.backend {
                Backend::Aws { table } => println!("table {table} is ready"),
                Backend::Embedded { .. } => {
                    println!("table ready ({})", crate::store::describe(config))
                }
            }
        }
    }
    Ok(())
}
