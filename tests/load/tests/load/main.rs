//! The load and fault harness, in one test binary: each DynamoDB fault on its own against the
//! store's claim, and the whole harness, bounded for CI.

mod faults;
mod load_run;
