//! Sends one message to a place the seller reads: a Telegram chat through the Bot API
//! ([`telegram`]) or a Discord channel through Discord's HTTP API ([`discord`]), one file per
//! kind of place. [`Destination`] lists the kinds, so another kind is one more file and one more
//! variant. What to send and when (once per crossing, re-armed after a failure) is
//! [`crate::alerts`]'s business; this module only delivers, and says why it could not.

mod discord;
mod error;
mod telegram;

pub use discord::DiscordChannel;
pub use error::NotifyError;
pub use telegram::TelegramChat;

use std::time::Duration;

/// How long one message may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// One place a message can go, with the credentials to post there.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A Telegram chat.
    Telegram(TelegramChat),
    /// A Discord channel.
    Discord(DiscordChannel),
}

impl Destination {
    /// The channel's name, as the store's alert records know it (`telegram`, `discord`).
    pub fn channel(&self) -> &'static str {
        match self {
            Destination::Telegram(_) => telegram::CHANNEL,
            Destination::Discord(_) => discord::CHANNEL,
        }
    }
}

/// Sends messages through one HTTP client, [`SEND_TIMEOUT`] per message. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifier {
    http: reqwest::Client,
}

impl Notifier {
    /// A notifier with its own HTTP client.
    pub fn new() -> Result<Self, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .build()
            .map_err(|e| NotifyError::Client(e.without_url()))?;
        Ok(Self { http })
    }

    /// Posts `text` to `to`; delivered only when the platform answered with a 2xx.
    pub async fn send(&self, to: &Destination, text: &str) -> Result<(), NotifyError> {
        match to {
            Destination::Telegram(chat) => chat.send(&self.http, text).await,
            Destination::Discord(channel) => channel.send(&self.http, text).await,
        }
    }
}

/// What became of a request to `channel`: delivered on a 2xx, refused otherwise.
fn delivered(
    channel: &'static str,
    sent: reqwest::Result<reqwest::Response>,
) -> Result<(), NotifyError> {
    match sent {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(NotifyError::Refused {
            channel,
            status: response.status(),
        }),
        // reqwest puts the URL (with Telegram's token) into its errors: it is dropped here.
        Err(e) => Err(NotifyError::Request {
            channel,
            source: e.without_url(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_send_shows_neither_the_token_nor_the_url() {
        // A loopback port that was just free: the connection is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let notifier = Notifier::new().expect("client");
        let to = Destination::Telegram(TelegramChat {
            token: "123:very-secret-token".into(),
            api: format!("http://127.0.0.1:{port}"),
            chat: 1,
        });
        let err = notifier.send(&to, "hello").await.expect_err("refused");
        assert!(
            matches!(
                err,
                NotifyError::Request {
                    channel: "telegram",
                    ..
                }
            ),
            "{err:?}"
        );
        let shown = format!("{err} {err:?} {} {to:?}", err.chain());
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert!(!shown.contains("sendMessage"), "{shown}");
    }
}
