//! What the bots keep besides claims: webhook deliveries that take effect once (`deliveries`),
//! settings documents (`settings`: the bots' configuration, platform rules), which chat account
//! is which influencer (`accounts`) and the invites that bind them (`invites`), the waitlist of
//! refused followers, the seller's alert settings and sent alerts (`alerts`), and the
//! influencers' own alerts (`influencer_alerts`).

mod accounts;
pub mod alerts;
mod deliveries;
pub mod influencer_alerts;
mod invites;
pub mod settings;
mod waitlist;

pub use deliveries::{DELIVERY_TTL_MS, Delivery};
pub use invites::{InviteOutcome, InviteRefusal};
pub use waitlist::{WAITLIST_SHARDS, Waiter};
