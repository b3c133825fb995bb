//! The table itself: its one definition (`schema`), items and keys (`items`), where it is
//! (`config`), the embedded engine (`engine`), reading the indexes (`index`), the "once"
//! conditional writes (`once`), bounded retries (`retry`), the cost counters (`metrics`) and the store's errors.

pub mod config;
#[cfg(feature = "embedded")]
pub mod engine;
pub mod error;
pub(crate) mod index;
pub mod items;
pub mod metrics;
pub(crate) mod once;
pub(crate) mod retry;
pub mod schema;
