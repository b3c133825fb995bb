//! The issue Lambda end to end, in one test binary: the claim handler called directly on the
//! embedded engine, and the real binary under a fake Lambda Runtime API.

mod handler;
mod runtime_api;
