//! The Discord bot end to end, in one test binary: signed interactions through the endpoint on
//! the embedded engine, requests that must be refused, the deadline with a slow store, command
//! registration against a fake Discord API, and the real binary under a fake Lambda Runtime API.

mod common;

mod bad_requests;
mod deadline;
mod interactions;
mod join;
mod lambda;
mod languages;
mod register;
