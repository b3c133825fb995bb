//! Hostile requests against a running `promo serve` (issue 12, item 7): both bots, the API, the
//! dashboards and the server itself, each case asserting the safe answer and that nothing was
//! issued, credited or leaked (no code or secret in any response, in what the bots sent to the
//! fake platform APIs, or in serve's logs; the store's claims are exactly the intended ones).
//!
//! Everything runs on 127.0.0.1 against the real binary; every wait is bounded. A suite runs all
//! its cases and then fails with the list of every case that broke.

mod api;
mod discord;
mod fakes;
mod server;
mod support;
mod telegram;
