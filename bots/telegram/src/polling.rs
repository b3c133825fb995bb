//! Long polling (`getUpdates`), for one machine without a public URL. Each update goes through
//! the same deduplication as the webhook.
//!
//! The loop never waits for a batch to be handled: each update joins the queue of the chat the
//! bot answers in, and every chat's queue is worked on by its own task, one update after the
//! other. A chat under Telegram's flood control (a group spamming the bot) waits out its 429s
//! in its own queue, while other chats' claims go on and the loop keeps fetching.
//!
//! A panic never stops the bot: one while handling an update is caught there (the update is
//! retried in place, then given up and its delivery released), and one in the loop itself
//! restarts the loop from the same offset, so no update it had fetched is lost.

use crate::action::Action;
use crate::send::ProcessError;
use crate::service::{DELIVERY_SOURCE, TelegramService, Tuning};
use futures::FutureExt;
use promo_store::Delivery;
use secrecy::ExposeSecret;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::Requester;
use teloxide::types::{AllowedUpdate, ChatId, Update};
use tokio::sync::Notify;

/// The update kinds the bot asks Telegram for (webhook and polling alike).
pub const ALLOWED_UPDATES: [AllowedUpdate; 2] =
    [AllowedUpdate::Message, AllowedUpdate::CallbackQuery];

/// Seconds one `getUpdates` call waits for updates (below the client's 17 s timeout).
pub const POLL_TIMEOUT_S: u32 = 10;

/// Attempts per update before it is given up (the follower can ask again).
const ATTEMPTS: u32 = 5;

/// Updates waiting in one chat's queue at most. Beyond that the chat is flooding the bot (a
/// single person cannot, Telegram lets them send about one message a second): further updates
/// of that chat are dropped, logged, until its queue drains.
const MAX_QUEUED_PER_CHAT: usize = 100;

/// Updates waiting in all queues at most: beyond that the loop stops fetching until some are
/// handled (Telegram keeps them meanwhile).
const MAX_QUEUED: usize = 5_000;

/// How often an update whose delivery another attempt holds is looked at again, after the
/// lease (an attempt of a process that died before it finished).
const IN_FLIGHT_RECHECKS: u32 = 2;

impl TelegramService {
    /// Polls for updates until `shutdown` completes, handling each once. Errors from
    /// `getUpdates` (network, a webhook still set, another poller) are logged and retried with
    /// a growing pause; a panic in the loop restarts it. Updates already queued are still
    /// handled after `shutdown` if the runtime lives on.
    pub async fn poll(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let svc = self.for_polling();
        let queues = ChatQueues::new(svc.clone());
        let mut offset: i32 = 0;
        let mut pause = Duration::from_millis(500);
        loop {
            let session = svc.poll_session(&queues, &mut offset, shutdown.as_mut());
            match AssertUnwindSafe(session).catch_unwind().await {
                Ok(()) => return,
                Err(_) => {
                    tracing::error!(
                        wait_ms = pause.as_millis() as u64,
                        "long polling panicked; restarting it"
                    );
                    tokio::select! {
                        () = shutdown.as_mut() => return,
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// The same bot with the queue's 429 budget: in long polling a call may wait out a long
    /// `retry_after`, since only its own chat waits.
    fn for_polling(&self) -> TelegramService {
        let tuning = self.tuning().clone();
        self.clone().with_tuning(Tuning {
            max_inline_wait: tuning.max_queue_wait,
            ..tuning
        })
    }

    /// Fetches batches and queues their updates until `shutdown`. `offset` lives across
    /// restarts: it only moves past a batch once every update of it is queued.
    async fn poll_session<F: Future<Output = ()>>(
        &self,
        queues: &ChatQueues,
        offset: &mut i32,
        mut shutdown: Pin<&mut F>,
    ) {
        let mut pause = Duration::from_millis(500);
        loop {
            // Backpressure: with every queue full, fetch nothing more until there is room.
            while queues.len() >= MAX_QUEUED {
                tokio::select! {
                    () = shutdown.as_mut() => return,
                    () = queues.room() => {}
                }
            }
            let request = self
                .bot()
                .get_updates()
                .offset(*offset)
                .timeout(POLL_TIMEOUT_S)
                .allowed_updates(ALLOWED_UPDATES);
            let batch = tokio::select! {
                () = shutdown.as_mut() => return,
                batch = request.into_future() => batch,
            };
            let updates = match batch {
                Ok(updates) => {
                    pause = Duration::from_millis(500);
                    updates
                }
                Err(e) => {
                    let wait = match &e {
                        teloxide::RequestError::RetryAfter(s) => s.duration(),
                        _ => pause,
                    };
                    let shown =
                        crate::send::redact(&e.to_string(), self.config().token.expose_secret());
                    tracing::warn!(error = %shown, wait_ms = wait.as_millis() as u64, "getUpdates failed");
                    pause = (pause * 2).min(Duration::from_secs(30));
                    tokio::select! {
                        () = shutdown.as_mut() => return,
                        () = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            #[cfg(feature = "test-hooks")]
            if !updates.is_empty() && self.faults().take_poll_panic() {
                panic!("injected panic in long polling");
            }
            let last = updates.iter().map(|u| u.id.0).max();
            for update in updates {
                queues.push(self.job(update));
            }
            if let Some(last) = last {
                *offset = i32::try_from(last.saturating_add(1)).unwrap_or(i32::MAX);
            }
        }
    }

    /// What to do with a polled update, decided once (a panic deciding it drops the update:
    /// it would panic again however often it is retried).
    fn job(&self, update: Update) -> Option<Job> {
        let update_id = update.id.0;
        let decided = std::panic::catch_unwind(AssertUnwindSafe(|| {
            Action::of(&update, &self.config().bot_username)
        }));
        let action = match decided {
            Ok(action) => action,
            Err(_) => {
                tracing::error!(update_id, "reading a polled update panicked; dropped");
                return None;
            }
        };
        let chat = action.reply_chat()?;
        Some(Job {
            update_id,
            chat,
            action,
            rechecks: 0,
        })
    }

    /// Handles one polled update once: records it, runs it (retrying failures in place, in
    /// this chat's queue only), and marks it finished.
    async fn deliver_polled(&self, job: &Job, queues: &ChatQueues) {
        let id = job.update_id.to_string();
        let lease = self.tuning().lease;
        let started = self.now();
        match self
            .store()
            .begin_delivery(DELIVERY_SOURCE, &id, started, lease.as_millis() as i64)
            .await
        {
            Ok(Delivery::New) => {}
            Ok(Delivery::Done) => return,
            Ok(Delivery::InFlight) => {
                // Another attempt holds it: most likely a process that died mid-way. Look again
                // after its lease, outside this chat's queue, instead of dropping the update.
                if job.rechecks < IN_FLIGHT_RECHECKS {
                    tracing::info!(update_id = %id, "update in flight elsewhere; looking again after the lease");
                    queues.push_later(job.recheck(), lease + Duration::from_secs(1));
                } else {
                    tracing::warn!(update_id = %id, "update still in flight elsewhere; left to it");
                }
                return;
            }
            Err(e) => {
                tracing::warn!(update_id = %id, error = %e, "recording an update failed");
                return;
            }
        }
        let mut attempt = 1;
        loop {
            let outcome = self.run_guarded(job.update_id, job.action.clone()).await;
            let retry = match &outcome {
                // A panic is a bug: one more try (it may have been a passing state), no more.
                Err(ProcessError::Panicked) if attempt < 2 => Some(Duration::from_secs(1)),
                Err(ProcessError::Panicked) => None,
                Err(e) if attempt < ATTEMPTS => Some(
                    e.retry_after()
                        .unwrap_or(Duration::from_millis(500) * 2u32.pow(attempt)),
                ),
                _ => None,
            };
            match retry {
                Some(wait) => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                None if matches!(outcome, Err(ProcessError::Panicked)) => {
                    tracing::warn!(update_id = %id, "update given up after panics");
                    self.release(&id, started).await;
                    return;
                }
                None => {
                    if let crate::Delivered::Failed(e) = self.finish(&id, outcome).await {
                        tracing::warn!(update_id = %id, error = %e, "update given up");
                    }
                    return;
                }
            }
        }
    }
}

/// A polled update waiting in its chat's queue.
#[derive(Debug, Clone)]
struct Job {
    update_id: u32,
    chat: ChatId,
    action: Action,
    rechecks: u32,
}

impl Job {
    fn recheck(&self) -> Job {
        Job {
            rechecks: self.rechecks + 1,
            ..self.clone()
        }
    }
}

/// Every chat's queue of polled updates. A chat's queue exists while its worker task runs;
/// the worker handles the front update, then takes it off, and ends when the queue is empty.
#[derive(Clone)]
struct ChatQueues {
    svc: TelegramService,
    state: Arc<Mutex<Queued>>,
    room: Arc<Notify>,
}

#[derive(Default)]
struct Queued {
    chats: HashMap<i64, VecDeque<Job>>,
    len: usize,
}

impl ChatQueues {
    fn new(svc: TelegramService) -> Self {
        Self {
            svc,
            state: Arc::default(),
            room: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queued> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Updates waiting or being handled, in all chats.
    fn len(&self) -> usize {
        self.lock().len
    }

    /// Completes when an update has been handled (there may be room again).
    async fn room(&self) {
        let notified = self.room.notified();
        if self.len() < MAX_QUEUED {
            return;
        }
        notified.await;
    }

    /// Queues `job` behind its chat's earlier updates, starting the chat's worker if idle.
    fn push(&self, job: Option<Job>) {
        let Some(job) = job else { return };
        let chat = job.chat.0;
        let mut state = self.lock();
        let start = match state.chats.get_mut(&chat) {
            Some(queue) if queue.len() >= MAX_QUEUED_PER_CHAT => {
                tracing::warn!(
                    update_id = job.update_id,
                    group = chat < 0,
                    "a chat is flooding the bot; update dropped"
                );
                return;
            }
            Some(queue) => {
                queue.push_back(job);
                false
            }
            None => {
                state.chats.insert(chat, VecDeque::from([job]));
                true
            }
        };
        state.len += 1;
        drop(state);
        if start {
            let queues = self.clone();
            tokio::spawn(async move { queues.work(chat).await });
        }
    }

    /// Queues `job` again after `delay`.
    fn push_later(&self, job: Job, delay: Duration) {
        let queues = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            queues.push(Some(job));
        });
    }

    /// The worker of `chat`: handles its updates in order until the queue is empty.
    async fn work(&self, chat: i64) {
        loop {
            let front = self
                .lock()
                .chats
                .get(&chat)
                .and_then(|q| q.front().cloned());
            let Some(job) = front else { return };
            // `deliver_polled` catches the update's own panics; this one guards the queue's
            // bookkeeping, so a chat is never left with a queue nobody works on.
            if AssertUnwindSafe(self.svc.deliver_polled(&job, self))
                .catch_unwind()
                .await
                .is_err()
            {
                tracing::error!(
                    update_id = job.update_id,
                    "handling a polled update panicked"
                );
            }
            let mut state = self.lock();
            let emptied = match state.chats.get_mut(&chat) {
                Some(queue) => {
                    queue.pop_front();
                    queue.is_empty()
                }
                None => true,
            };
            state.len = state.len.saturating_sub(1);
            if emptied {
                state.chats.remove(&chat);
            }
            drop(state);
            self.room.notify_waiters();
            if emptied {
                return;
            }
        }
    }
}
