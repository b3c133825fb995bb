//! Test support for the promo workspace: fixtures on the embedded engine, a fake AWS Lambda
//! Runtime API, and running real Lambda binaries under it.

pub mod bench;
pub mod contract;
pub mod fixtures;
pub mod lambda;
pub mod proxy;
pub mod runtime_api;
