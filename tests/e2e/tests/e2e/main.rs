//! Cross-crate proofs, in one test binary, against the real embedded engine: claims under
//! concurrency, the code lifecycle as a state machine, redemption races and the sweep during
//! claims, the claim listing and its costs, the bots' store support, logs free of secrets, and one promotion per influencer.

mod common;

mod bot_support;
mod claim_concurrency;
mod lifecycle_state_machine;
mod listing;
mod no_secrets_in_logs;
mod own_codes;
mod redeem_and_expire;
