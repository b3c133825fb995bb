//! Test support for the promo workspace: a fake AWS Lambda Runtime API to drive real Lambda binaries.

pub mod runtime_api;
