//! The store's contracts, tested through its public API against the real embedded engine: what
//! a claim, a redemption, an import, the expire sweep, a webhook delivery and an Amazon order
//! promise, alone, on repeat and under concurrency (tokio tasks on a multi-thread runtime).

mod common;

mod cap;
mod claim;
mod deliveries;
mod edit;
mod expire;
mod group;
mod import;
mod invites;
mod orders;
mod quota;
mod redeem;
