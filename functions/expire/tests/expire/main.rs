//! The expire Lambda end to end, in one test binary: the sweep and the handler called directly,
//! the seller's alerts against fake Telegram and Discord APIs, and the real binary under a fake
//! Lambda Runtime API.

mod common;

mod alerts;
mod runtime_api;
mod sweep;
