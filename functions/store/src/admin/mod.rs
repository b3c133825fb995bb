//! The seller's side: campaigns and influencers (`campaigns`), changes after creation
//! (`edit`, with the cap and the drip in `caps`; `quota`), importing code files (`pool`), group
//! codes (`group`), Amazon promotions and orders (`orders`), and the reports read from the records: counts
//! (`stats`), dashboard activity, the claims export, and the audit that re-checks every
//! invariant. Nothing here is on the claim path; every refusal is an [`AdminRefusal`].

mod activity;
pub mod audit;
mod campaigns;
mod caps;
mod edit;
mod export;
mod group;
pub(crate) mod orders;
mod pool;
mod quota;
mod refusal;
mod stats;

pub use activity::Activity;
pub use edit::{CampaignEdit, EditReport};
pub use export::ClaimRow;
pub use group::{GroupSummary, MAX_GROUP_USES};
pub use orders::{OrderTotals, PromotionOwner, Sales, sales_text};
pub use pool::{Existing, ImportSummary, import_id};
pub use refusal::AdminRefusal;
pub use stats::{CampaignStats, InfluencerStats};
