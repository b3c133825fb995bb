//! What an update asks the bot to do, decided from the update alone (no I/O), so that the
//! webhook can skip the store for updates it ignores and tests can check every shape.

use promo_core::invite::is_invite;
use promo_core::{Follower, Platform, PlatformUserId};
use teloxide::types::{CallbackQueryId, ChatId, MessageId, Update, UpdateKind, User};
use teloxide::utils::command::parse_command;

/// The Telegram user behind an update, and where to answer them privately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asker {
    /// Their user id (also their private chat's id).
    pub user_id: u64,
    /// Their client's language code, if sent.
    pub language: Option<String>,
}

/// Telegram user ids have at most 52 significant bits (Bot API docs); anything larger (or 0) is
/// not a Telegram user, and casting it to a chat id would name someone else's chat.
const MAX_USER_ID: u64 = (1 << 52) - 1;

fn plausible_user(id: u64) -> bool {
    (1..=MAX_USER_ID).contains(&id)
}

impl Asker {
    fn of(user: &User) -> Self {
        Self {
            user_id: user.id.0,
            language: user.language_code.clone(),
        }
    }

    /// Their private chat with the bot.
    pub fn chat(&self) -> ChatId {
        ChatId(self.user_id as i64)
    }

    /// Them as a follower: built from the numeric user id teloxide parsed from the update, so
    /// it is always the canonical decimal (`42`, never `042` or `+42`) whatever the update's
    /// JSON looked like. `None` only if the platform refuses the id (then nothing is claimed).
    pub fn follower(&self) -> Option<Follower> {
        let user_id = PlatformUserId::parse(Platform::Telegram, &self.user_id.to_string()).ok()?;
        Some(Follower {
            platform: Platform::Telegram,
            user_id,
        })
    }
}

/// Which campaign a claim is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A deep-link payload (not verified yet).
    Link(String),
    /// The seller's default campaign.
    Default,
}

/// A button the bot put under one of its messages, from its callback data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    /// "Get my code": claim through the signed payload.
    Claim(String),
    /// "Notify me": join the waitlist of the signed payload's campaign and lane.
    Notify(String),
    /// Data the bot never sends.
    Unknown,
}

/// The callback data prefix of a claim button.
pub const CLAIM_BUTTON: &str = "c:";
/// The callback data prefix of a waitlist button.
pub const NOTIFY_BUTTON: &str = "w:";

/// What to do with an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Hand the asker their code, in private.
    Claim {
        /// Who asks.
        asker: Asker,
        /// For which campaign.
        target: Target,
    },
    /// An influencer opened their invite (`/start inv_...`): bind this account to them.
    Join {
        /// Who opened it.
        asker: Asker,
        /// The invite payload (not verified yet).
        invite: String,
    },
    /// Show an influencer their numbers.
    Stats {
        /// Who asks.
        asker: Asker,
    },
    /// Give an influencer their links: deep link, Discord button payload, dashboard.
    Links {
        /// Who asks.
        asker: Asker,
    },
    /// Explain how to get a code (anything else said in private).
    Help {
        /// Who asks.
        asker: Asker,
    },
    /// A command in a group: point to a private chat, never post a code there.
    PointToPrivate {
        /// The group.
        chat: ChatId,
        /// The command's message, to reply to.
        message: MessageId,
        /// The sender's language, if known.
        language: Option<String>,
        /// The deep-link payload to carry over, if the command had one.
        payload: Option<String>,
    },
    /// A tap on one of the bot's buttons.
    Pressed {
        /// The callback query to answer.
        query: CallbackQueryId,
        /// Who tapped.
        asker: Asker,
        /// Which button.
        button: Button,
    },
    /// Nothing to do (and nothing to remember): edits, channel posts, other update kinds.
    Ignore(&'static str),
}

impl Action {
    /// Decides what `update` asks for. `bot_username` tells `/cmd@thisbot` from commands meant
    /// for another bot in a group.
    pub fn of(update: &Update, bot_username: &str) -> Action {
        match &update.kind {
            UpdateKind::Message(msg) => {
                let Some(from) = msg.from.as_ref().filter(|u| !u.is_bot) else {
                    return Action::Ignore("message without a human sender");
                };
                if !plausible_user(from.id.0) {
                    return Action::Ignore("sender id outside Telegram's range");
                }
                let command = msg.text().and_then(|t| parse_command(t, bot_username));
                // A private chat's id is its user's id: replies go to `user_id`, so a private
                // message from anyone else is not answered.
                if msg.chat.is_private() && i64::try_from(from.id.0).ok() != Some(msg.chat.id.0) {
                    return Action::Ignore("private chat of another user");
                }
                if msg.chat.is_private() {
                    let asker = Asker::of(from);
                    match command {
                        Some((cmd, args))
                            if cmd.eq_ignore_ascii_case("start")
                                && args.first().is_some_and(|p| is_invite(p)) =>
                        {
                            let invite = args.first().map(|p| (*p).to_owned()).unwrap_or_default();
                            Action::Join { asker, invite }
                        }
                        Some((cmd, args)) if cmd.eq_ignore_ascii_case("start") => {
                            let target = match args.first() {
                                Some(payload) => Target::Link((*payload).to_owned()),
                                None => Target::Default,
                            };
                            Action::Claim { asker, target }
                        }
                        Some((cmd, args)) if cmd.eq_ignore_ascii_case("claim") => {
                            // `/claim <payload>` works like the deep link, for pasted payloads.
                            let target = match args.first() {
                                Some(payload) => Target::Link((*payload).to_owned()),
                                None => Target::Default,
                            };
                            Action::Claim { asker, target }
                        }
                        Some((cmd, _)) if cmd.eq_ignore_ascii_case("stats") => {
                            Action::Stats { asker }
                        }
                        Some((cmd, _)) if cmd.eq_ignore_ascii_case("links") => {
                            Action::Links { asker }
                        }
                        _ => Action::Help { asker },
                    }
                } else if msg.chat.is_group() || msg.chat.is_supergroup() {
                    match command {
                        Some((cmd, args))
                            if ["start", "claim", "stats", "links"]
                                .iter()
                                .any(|c| cmd.eq_ignore_ascii_case(c)) =>
                        {
                            Action::PointToPrivate {
                                chat: msg.chat.id,
                                message: msg.id,
                                language: from.language_code.clone(),
                                payload: args.first().map(|p| (*p).to_owned()),
                            }
                        }
                        _ => Action::Ignore("group chatter"),
                    }
                } else {
                    Action::Ignore("message in a channel")
                }
            }
            UpdateKind::CallbackQuery(q) => {
                let data = q.data.as_deref().unwrap_or_default();
                let button = if let Some(p) = data.strip_prefix(CLAIM_BUTTON) {
                    Button::Claim(p.to_owned())
                } else if let Some(p) = data.strip_prefix(NOTIFY_BUTTON) {
                    Button::Notify(p.to_owned())
                } else {
                    Button::Unknown
                };
                if !plausible_user(q.from.id.0) {
                    return Action::Ignore("sender id outside Telegram's range");
                }
                Action::Pressed {
                    query: q.id.clone(),
                    asker: Asker::of(&q.from),
                    button,
                }
            }
            // An edit of an old `/claim` is not a new request, and a channel post is the
            // channel's own voice: the bot never answers either in public.
            UpdateKind::EditedMessage(_) => Action::Ignore("edited message"),
            UpdateKind::ChannelPost(_) | UpdateKind::EditedChannelPost(_) => {
                Action::Ignore("channel post")
            }
            _ => Action::Ignore("update kind the bot does not handle"),
        }
    }

    /// True when the update needs no work, so it is not even recorded.
    pub fn is_ignored(&self) -> bool {
        matches!(self, Action::Ignore(_))
    }

    /// The chat the bot answers in (the asker's private chat, or the group), for updates that
    /// need an answer. Long polling queues each chat's updates apart under this key.
    pub fn reply_chat(&self) -> Option<ChatId> {
        match self {
            Action::Claim { asker, .. }
            | Action::Join { asker, .. }
            | Action::Stats { asker }
            | Action::Links { asker }
            | Action::Help { asker }
            | Action::Pressed { asker, .. } => Some(asker.chat()),
            Action::PointToPrivate { chat, .. } => Some(*chat),
            Action::Ignore(_) => None,
        }
    }
}
