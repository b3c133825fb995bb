//! The seller CLI `promo` end to end, in one test binary: the seller's commands on a data file,
//! one promotion per influencer, `promo demo`, `promo serve` (its routes, a crash mid-load, a
//! closed engine, hostile requests), `infra/deploy.sh`, and the SAM template held to the code.

mod common;

mod attribution;
mod crash;
mod demo;
mod deploy;
mod discord;
mod discord_setup;
mod engine_closed;
mod hostile;
mod invites;
mod platforms;
mod promotions;
mod seller;
mod serve;
mod serve_routes;
mod template;
