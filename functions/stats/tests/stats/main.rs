//! The stats Lambda end to end, in one test binary: the dashboards against the embedded engine,
//! and in headless Chromium.

mod browser;
mod dashboard;
