//! The Telegram bot end to end: real update shapes through the webhook handler (and long
//! polling), the embedded engine, and a fake Bot API on loopback that records every call.

#![allow(clippy::unwrap_used)]

mod support;

mod buttons;
mod claims;
mod delivery;
mod eligibility;
mod groups;
mod hostile;
mod invites;
mod lambda;
mod languages;
mod panics;
mod platforms;
mod polling;
mod stats;
mod waitlist;
mod webhook;
