//! Records of what the tests exchanged with the fake platform APIs, for the contract checks in
//! `tests/contracts/`: there, every Bot API call and update is validated by aiogram's models and
//! every Discord request, response and interaction by the schemas of `discord-api-spec`.
//!
//! Nothing is written unless `PROMO_CONTRACT_LOG` names a directory: then each record is one
//! JSON line appended to `<dir>/<stream>.jsonl`, with the test (thread) that made it.

use serde_json::{Value, json};
use std::io::Write;
use std::sync::Mutex;

/// The variable naming the directory the records go to.
pub const LOG_DIR_VAR: &str = "PROMO_CONTRACT_LOG";

/// What a record is, and so which definition the checks hold it to.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// A Bot API call a bot made: `{method, params}`.
    TelegramCall,
    /// An update a test sent to the bot: `{update}`.
    TelegramUpdate,
    /// A request a bot made to Discord's HTTP API: `{method, path, body}`.
    DiscordRequest,
    /// The endpoint's answer to an interaction: `{response}`.
    DiscordResponse,
    /// An interaction a test sent to the endpoint: `{interaction}`.
    DiscordInteraction,
}

impl Stream {
    fn file(self) -> &'static str {
        match self {
            Self::TelegramCall => "telegram-calls.jsonl",
            Self::TelegramUpdate => "telegram-updates.jsonl",
            Self::DiscordRequest => "discord-requests.jsonl",
            Self::DiscordResponse => "discord-responses.jsonl",
            Self::DiscordInteraction => "discord-interactions.jsonl",
        }
    }
}

// One line is one `write` to a file opened for appending, so the records of the test binaries
// running at once do not interleave; the lock keeps a process's own threads in line.
static WRITING: Mutex<()> = Mutex::new(());

fn log_dir() -> Option<std::ffi::OsString> {
    std::env::var_os(LOG_DIR_VAR).filter(|d| !d.is_empty())
}

/// Whether records are being made (so a caller can skip the work of making one).
pub fn enabled() -> bool {
    log_dir().is_some()
}

/// Appends `record` (an object) to `stream`, when [`LOG_DIR_VAR`] is set; a test never fails
/// for a record it could not write (the check then finds the record missing).
pub fn record(stream: Stream, mut record: Value) {
    let Some(dir) = log_dir() else {
        return;
    };
    if let Some(fields) = record.as_object_mut() {
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        fields.insert("test".into(), json!(test));
    }
    let mut line = record.to_string();
    line.push('\n');
    let _guard = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let path = std::path::Path::new(&dir).join(stream.file());
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?
            .write_all(line.as_bytes())
    });
    if let Err(e) = written {
        eprintln!("contract record not written to {}: {e}", path.display());
    }
}

/// Records a Bot API call. Telegram's method names are case-insensitive and teloxide writes
/// `SendMessage`: the record has the documented name, `sendMessage`.
pub fn telegram_call(method: &str, params: &Value) {
    let mut chars = method.chars();
    let method: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    record(
        Stream::TelegramCall,
        json!({"method": method, "params": params}),
    );
}

/// Records an update a test sends to the bot.
pub fn telegram_update(update: &Value) {
    record(Stream::TelegramUpdate, json!({"update": update}));
}

/// Records a request to Discord's API (`path` from `/api/v10` on, or without it).
pub fn discord_request(method: &str, path: &str, body: &Value) {
    let path = path.strip_prefix("/api/v10").unwrap_or(path);
    record(
        Stream::DiscordRequest,
        json!({"method": method, "path": path, "body": body}),
    );
}

/// Records an interaction a test sends to the endpoint.
pub fn discord_interaction(interaction: &Value) {
    record(
        Stream::DiscordInteraction,
        json!({"interaction": interaction}),
    );
}

/// Records the endpoint's JSON answer to an interaction.
pub fn discord_response(response: &Value) {
    record(Stream::DiscordResponse, json!({"response": response}));
}
