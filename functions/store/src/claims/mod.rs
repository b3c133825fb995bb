//! The claim path and a code's later life. `claim` issues a code in one conditional transaction,
//! choosing a candidate from a per-process stock (`candidates`) and reading the campaign from a
//! per-process cache (`context`) so that no item is hot; `redeem` marks an issued code used;
//! `expire` ends campaigns and retires the codes they left unissued.

mod candidates;
mod claim;
pub(crate) mod context;
mod expire;
mod redeem;

pub(crate) use candidates::CandidateCache;
pub use claim::{ClaimOutcome, ClaimRequest};
pub(crate) use context::ContextCache;
pub use expire::SweepReport;
pub use redeem::RedeemOutcome;
