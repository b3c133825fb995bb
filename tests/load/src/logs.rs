//! Captures the handlers' logs in memory, so a run can prove no code or token was logged.

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::fmt::MakeWriter;

static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();

fn buffer() -> &'static Mutex<Vec<u8>> {
    LOGS.get_or_init(|| Mutex::new(Vec::new()))
}

/// A writer into the in-memory log.
#[derive(Debug, Clone, Copy, Default)]
pub struct Capture;

impl Write for Capture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        buffer()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        Capture
    }
}

/// Sends this process's logs (info and up, as on Lambda) to memory. Once per process; later
/// calls (and a subscriber set elsewhere) leave things as they are.
pub fn capture() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_writer(Capture)
        .try_init();
}

/// Everything logged so far, as text.
pub fn text() -> String {
    String::from_utf8_lossy(&buffer().lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}
