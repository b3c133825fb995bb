//! The bot: one [`TelegramService`] per process, shared by the webhook handler, long polling
//! and the waitlist notifier.

use crate::action::{Action, Button};
use crate::config::TelegramConfig;
use crate::send::ProcessError;
use futures::FutureExt;
use promo_core::Timestamp;
use promo_store::{Delivery, Store};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use teloxide::Bot;
use teloxide::types::Update;

/// The delivery source name under which Telegram updates are deduplicated.
pub const DELIVERY_SOURCE: &str = "telegram";

/// Where the service reads the time (tests move it).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Limits and timings. The defaults suit Telegram; tests shorten some.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// How long an unfinished update is left to the attempt handling it before a redelivery
    /// may take it over. Longer than `deadline`, so a live attempt is never taken over.
    pub lease: Duration,
    /// The most time one update may take in the webhook before it is answered 503 (and left
    /// for a redelivery).
    pub deadline: Duration,
    /// The longest 429 `retry_after` a webhook call waits out in place; a longer one hands
    /// the update back (503) for Telegram to redeliver.
    pub max_inline_wait: Duration,
    /// In long polling, the longest 429 `retry_after` a call waits out in place (a longer one
    /// fails the attempt, retried later). Only that chat's queue waits meanwhile: other chats'
    /// updates go on.
    pub max_queue_wait: Duration,
    /// Messages per second the waitlist notifier sends at most (Telegram allows about 30).
    pub notify_per_second: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            deadline: Duration::from_secs(45),
            max_inline_wait: Duration::from_secs(5),
            max_queue_wait: Duration::from_secs(300),
            notify_per_second: 25,
        }
    }
}

/// What became of one delivered update.
#[derive(Debug)]
pub enum Delivered {
    /// Handled now.
    Processed,
    /// Nothing to do for this kind of update; not recorded.
    Ignored,
    /// Handled before: nothing done again.
    Duplicate,
    /// Another attempt is handling it right now: nothing done; ask for a redelivery.
    InFlight,
    /// Handling failed in a way worth retrying; the update stays unfinished, so a redelivery
    /// after the lease takes it over (after a panic, at once: the delivery is released).
    Failed(ProcessError),
}

/// The Telegram bot.
#[derive(Clone)]
pub struct TelegramService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    bot: Bot,
    config: TelegramConfig,
    clock: Clock,
    tuning: Tuning,
    #[cfg(feature = "test-hooks")]
    faults: Arc<crate::config::Faults>,
}

impl TelegramService {
    /// A bot on `store` with `config`, talking to the Bot API server the configuration names.
    pub fn new(store: Store, config: TelegramConfig) -> Self {
        if config.secret.is_none() {
            tracing::warn!("no webhook secret configured: the webhook refuses every request");
        }
        let bot = config.bot();
        Self {
            inner: Arc::new(Inner {
                store,
                bot,
                config,
                clock: Arc::new(Timestamp::now),
                tuning: Tuning::default(),
                #[cfg(feature = "test-hooks")]
                faults: Arc::default(),
            }),
        }
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            store: shared.store.clone(),
            bot: shared.bot.clone(),
            config: shared.config.clone(),
            clock: shared.clock.clone(),
            tuning: shared.tuning.clone(),
            #[cfg(feature = "test-hooks")]
            faults: shared.faults.clone(),
        });
        let mut inner = inner;
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The same bot reading the time from `clock`.
    pub fn with_clock(self, clock: Clock) -> Self {
        self.rebuild(|i| i.clock = clock)
    }

    /// The same bot with other limits and timings.
    pub fn with_tuning(self, tuning: Tuning) -> Self {
        self.rebuild(|i| i.tuning = tuning)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The Bot API client.
    pub fn bot(&self) -> &Bot {
        &self.inner.bot
    }

    /// The configuration.
    pub fn config(&self) -> &TelegramConfig {
        &self.inner.config
    }

    /// The limits and timings.
    pub fn tuning(&self) -> &Tuning {
        &self.inner.tuning
    }

    /// The faults a test injects (only with the `test-hooks` feature).
    #[cfg(feature = "test-hooks")]
    pub fn faults(&self) -> &crate::config::Faults {
        &self.inner.faults
    }

    /// The current time, from the service's clock.
    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// Handles one update without deduplication: what both the webhook and long polling run
    /// once [`TelegramService::deliver`] has made sure the update is new. Refusals, bad links
    /// and unreachable users are handled (answered or logged) and return `Ok`; an `Err` means
    /// the update should be handled again later.
    pub async fn process_update(&self, update: Update) -> Result<(), ProcessError> {
        self.run(Action::of(&update, &self.config().bot_username))
            .await
    }

    pub(crate) async fn run(&self, action: Action) -> Result<(), ProcessError> {
        match action {
            Action::Claim { asker, target } => self.claim(&asker, &target).await,
            Action::Join { asker, invite } => self.join(&asker, &invite).await,
            Action::Stats { asker } => self.stats(&asker).await,
            Action::Links { asker } => self.links(&asker).await,
            Action::Help { asker } => self.help(&asker).await,
            Action::PointToPrivate {
                chat,
                message,
                language,
                payload,
            } => {
                self.point_to_private(chat, message, language.as_deref(), payload.as_deref())
                    .await
            }
            Action::Pressed {
                query,
                asker,
                button,
            } => match button {
                Button::Claim(payload) => {
                    self.answer(&query, None).await;
                    self.claim(&asker, &crate::action::Target::Link(payload))
                        .await
                }
                Button::Notify(payload) => self.join_waitlist(&query, &asker, &payload).await,
                Button::Unknown => {
                    self.answer(&query, None).await;
                    Ok(())
                }
            },
            Action::Ignore(why) => {
                tracing::debug!(why, "update ignored");
                Ok(())
            }
        }
    }

    /// Handles `update` once however often it is delivered: records its `update_id` with a
    /// conditional put, handles it, and marks it finished. A failed attempt stays unfinished,
    /// so a redelivery after the lease handles it again (and the follower gets the same code).
    /// A panic anywhere in the handling is caught: it is logged (the update id, never its
    /// contents), the delivery is released so a redelivery is handled at once, and the answer
    /// is [`Delivered::Failed`] with [`ProcessError::Panicked`].
    pub async fn deliver(&self, update: Update) -> Delivered {
        let update_id = update.id.0;
        match AssertUnwindSafe(self.deliver_once(update))
            .catch_unwind()
            .await
        {
            Ok(delivered) => delivered,
            Err(_) => {
                tracing::error!(update_id, "handling an update panicked");
                Delivered::Failed(ProcessError::Panicked)
            }
        }
    }

    async fn deliver_once(&self, update: Update) -> Delivered {
        let action = Action::of(&update, &self.config().bot_username);
        if action.is_ignored() {
            return Delivered::Ignored;
        }
        let id = update.id.0.to_string();
        let lease_ms = self.tuning().lease.as_millis() as i64;
        let started = self.now();
        let begun = self
            .store()
            .begin_delivery(DELIVERY_SOURCE, &id, started, lease_ms)
            .await;
        match begun {
            Ok(Delivery::New) => {}
            Ok(Delivery::Done) => return Delivered::Duplicate,
            Ok(Delivery::InFlight) => return Delivered::InFlight,
            Err(e) => return Delivered::Failed(e.into()),
        }
        match self.run_guarded(update.id.0, action).await {
            Err(ProcessError::Panicked) => {
                self.release(&id, started).await;
                Delivered::Failed(ProcessError::Panicked)
            }
            outcome => self.finish(&id, outcome).await,
        }
    }

    /// Runs `action`, the work of update `update_id`, turning a panic into
    /// [`ProcessError::Panicked`] (logged with the update id only: a panic message can quote
    /// the input).
    pub(crate) async fn run_guarded(
        &self,
        update_id: u32,
        action: Action,
    ) -> Result<(), ProcessError> {
        #[cfg(feature = "test-hooks")]
        let inject = self.faults().take_update_panic(update_id);
        let work = async move {
            #[cfg(feature = "test-hooks")]
            if inject {
                panic!("injected panic");
            }
            self.run(action).await
        };
        match AssertUnwindSafe(work).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!(update_id, "handling an update panicked");
                Err(ProcessError::Panicked)
            }
        }
    }

    /// Releases the delivery of update `id` begun at `started`, so a redelivery is handled at
    /// once. If that fails, the lease frees it later.
    pub(crate) async fn release(&self, id: &str, started: Timestamp) {
        match self
            .store()
            .release_delivery(DELIVERY_SOURCE, id, started)
            .await
        {
            Ok(()) => tracing::info!(update_id = id, "update released for a redelivery"),
            Err(e) => {
                tracing::warn!(update_id = id, error = %e, "releasing an update failed; the lease frees it");
            }
        }
    }

    pub(crate) async fn finish(&self, id: &str, outcome: Result<(), ProcessError>) -> Delivered {
        match outcome {
            Ok(()) => match self.store().finish_delivery(DELIVERY_SOURCE, id).await {
                Ok(()) => Delivered::Processed,
                // Handled, but not marked: a redelivery after the lease repeats the replies
                // (with the same code), which beats losing the update.
                Err(e) => {
                    tracing::warn!(update_id = id, error = %e, "marking an update handled failed");
                    Delivered::Processed
                }
            },
            Err(e) => {
                tracing::warn!(update_id = id, error = %e, "update left for a redelivery");
                Delivered::Failed(e)
            }
        }
    }
}
