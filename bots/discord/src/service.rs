//! `POST /discord/interactions`: verify, parse, answer within the time budget.
//!
//! Every answer that needs the store runs under [`DiscordConfig::budget`]. Done in time: the
//! reply goes out as the response (type 4). Not done: the response is "deferred" (type 5) at
//! once, and a follow-up finishes the work and edits the original response through the
//! interaction webhook. The router hands that follow-up to the [`FollowUps`] it was built with,
//! which must run it after the response is sent (`tokio::spawn` in a server; the Lambda binary
//! keeps its environment alive for it).

use crate::claim::{self, ClaimInput, Pressed, Target};
use crate::commands;
use crate::config::DiscordConfig;
use crate::discord_api::DiscordApi;
use crate::eligibility::Claimer;
use crate::join;
use crate::replies::{self, Reply};
use crate::seller::{self, PostButton};
use crate::signature;
use crate::stats;
use crate::texts::Texts;
use axum::Router;
use axum::extract::State;
use lambda_http::http::{HeaderMap, StatusCode};
use promo_api::{Buffered, RawBody, Request, Response, json_response, routes};
use promo_store::Store;
use serenity::builder::CreateInteractionResponse;
use serenity::model::application::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Interaction,
};
use serenity::model::guild::Member;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Work that finishes an interaction after its response was sent. Run it to completion (it
/// never fails; it logs).
pub type FollowUp = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where the router sends each deferred reply's follow-up, to be run after the response.
pub type FollowUps = Arc<dyn Fn(FollowUp) + Send + Sync>;

/// An answer to one request, as [`DiscordService::handle`] gives it: the HTTP response, and
/// maybe work to run after sending it.
pub struct Handled {
    /// The response to send now.
    pub response: Buffered,
    /// Present when the reply was deferred: run it after sending `response`.
    pub follow_up: Option<FollowUp>,
}

/// The router's answer before it leaves: the response, and maybe a follow-up.
struct Answered {
    response: Response,
    follow_up: Option<FollowUp>,
}

/// The router's state: the service and where follow-ups go.
#[derive(Clone)]
struct Endpoint {
    service: DiscordService,
    follow_ups: FollowUps,
}

type Work = Pin<Box<dyn Future<Output = Reply> + Send + 'static>>;

/// The interactions endpoint. Cheap to clone; build it once per process.
#[derive(Clone)]
pub struct DiscordService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: DiscordConfig,
    api: DiscordApi,
}

impl DiscordService {
    /// A service on `store` for the application in `config`.
    pub fn new(store: Store, config: DiscordConfig) -> Self {
        let api = DiscordApi::new(&config);
        Self {
            inner: Arc::new(Inner { store, config, api }),
        }
    }

    /// The Discord API client (for follow-ups and command registration).
    pub fn api(&self) -> &DiscordApi {
        &self.inner.api
    }

    /// The endpoint's route ([`routes::DISCORD_INTERACTIONS`]), handing each follow-up to
    /// `follow_ups`. A request without a valid signature gets 401 before anything is read (413
    /// for a body over the webhook limit, unread); a signed body that is not an interaction gets
    /// 400; everything else gets 200 with an interaction response.
    pub fn router(&self, follow_ups: FollowUps) -> Router {
        let endpoint = Endpoint {
            service: self.clone(),
            follow_ups,
        };
        routes::DISCORD_INTERACTIONS
            .mount(Router::new(), interactions)
            .with_state(endpoint)
    }

    /// Runs [`Self::router`] on one request, handing back the follow-up instead of running it
    /// (tests and in-process drivers).
    pub async fn handle(&self, req: Request) -> Handled {
        let slot: Arc<std::sync::Mutex<Option<FollowUp>>> = Arc::default();
        let keep = slot.clone();
        let sink: FollowUps = Arc::new(move |f| {
            if let Ok(mut s) = keep.lock() {
                *s = Some(f);
            }
        });
        let response = promo_api::call(self.router(sink), req).await;
        let follow_up = slot.lock().ok().and_then(|mut s| s.take());
        Handled {
            response,
            follow_up,
        }
    }

    async fn interact(&self, headers: &HeaderMap, body: &[u8]) -> Answered {
        if let Err(why) = signature::verify(&self.inner.config.verifier, headers, body) {
            return now(error(StatusCode::UNAUTHORIZED, &why.to_string()));
        }
        let interaction: Interaction = match serde_json::from_slice(body) {
            Ok(i) => i,
            Err(_) => return now(error(StatusCode::BAD_REQUEST, "not an interaction")),
        };
        match interaction {
            // Exactly `{"type": 1}`, as Discord documents it.
            Interaction::Ping(_) => now(json_response(
                StatusCode::OK,
                &serde_json::json!({ "type": 1 }),
            )),
            Interaction::Command(cmd) => self.command(cmd).await,
            Interaction::Component(c) => self.component(c).await,
            _ => now(error(
                StatusCode::BAD_REQUEST,
                "unsupported interaction type",
            )),
        }
    }

    async fn command(&self, cmd: CommandInteraction) -> Answered {
        let store = self.inner.store.clone();
        let key = self.inner.config.link_key.clone();
        let claimer = claimer(
            cmd.user.id.get(),
            cmd.guild_id.map(|g| g.get()),
            cmd.member.as_deref(),
        );
        let option = |name: &str| {
            cmd.data
                .options
                .iter()
                .find(|o| o.name == name)
                .and_then(|o| match &o.value {
                    CommandDataOptionValue::String(s) => Some(s.trim().to_owned()),
                    _ => None,
                })
        };
        let work: Work = match cmd.data.name.as_str() {
            commands::CLAIM => {
                let input = ClaimInput {
                    interaction: cmd.id.get(),
                    claimer,
                    target: Target::Command {
                        influencer: option(commands::OPT_INFLUENCER),
                        campaign: option(commands::OPT_CAMPAIGN),
                    },
                    locale: Some(cmd.locale.clone()),
                };
                Box::pin(async move { claim::handle(&store, input).await })
            }
            commands::STATS => {
                let user = claimer.user;
                let locale = cmd.locale.clone();
                Box::pin(async move { stats::handle(&store, user, Some(&locale)).await })
            }
            commands::JOIN => {
                let user = claimer.user;
                let invite = option(commands::OPT_INVITE).unwrap_or_default();
                let locale = cmd.locale.clone();
                Box::pin(
                    async move { join::handle(&store, &key, user, &invite, Some(&locale)).await },
                )
            }
            commands::CLAIM_BUTTON => {
                // The member's own permissions in this interaction, not only the command's
                // default permission (a server can grant the command to anyone).
                if !seller::is_seller(cmd.member.as_ref().and_then(|m| m.permissions)) {
                    return now(respond(
                        &Reply::private(
                            "Only the seller (Manage Server permission) can post claim buttons.",
                        )
                        .response(),
                    ));
                }
                let ask = PostButton {
                    guild: cmd.guild_id.map(|g| g.get()),
                    campaign: option(commands::OPT_CAMPAIGN).unwrap_or_default(),
                    influencer: option(commands::OPT_INFLUENCER),
                    message: option(commands::OPT_MESSAGE),
                };
                let work: Work = Box::pin(async move { seller::handle(&store, &key, ask).await });
                // Never deferred: a deferred public response would make a refusal public.
                return self.within_budget_or_retry(work).await;
            }
            _ => {
                return now(respond(
                    &Reply::private("This command is not supported.").response(),
                ));
            }
        };
        self.within_budget(work, cmd.token).await
    }

    async fn component(&self, c: ComponentInteraction) -> Answered {
        let key = self.inner.config.link_key.clone();
        // The payload is checked before anything is read or written: a forged, foreign or
        // garbled button costs nothing but this answer.
        let target = match claim::pressed(&key, &c.data.custom_id) {
            Pressed::NotOurs => {
                return now(respond(
                    &Reply::private("This button is not supported.").response(),
                ));
            }
            Pressed::Invalid => {
                let texts = Texts::built_in(Some(&c.locale));
                return now(respond(&claim::invalid_button(&texts).response()));
            }
            Pressed::Claim(t) => t,
        };
        let input = ClaimInput {
            interaction: c.id.get(),
            claimer: claimer(
                c.user.id.get(),
                c.guild_id.map(|g| g.get()),
                c.member.as_ref(),
            ),
            target: Target::Button(target),
            locale: Some(c.locale.clone()),
        };
        let store = self.inner.store.clone();
        let work: Work = Box::pin(async move { claim::handle(&store, input).await });
        self.within_budget(work, c.token).await
    }

    /// Runs `work` for at most the budget: its reply as the response, or, past the budget, a
    /// private "run it again" (the work is dropped; it writes nothing).
    async fn within_budget_or_retry(&self, work: Work) -> Answered {
        match tokio::time::timeout(self.inner.config.budget, work).await {
            Ok(reply) => now(respond(&reply.response())),
            Err(_) => {
                tracing::info!("a seller command ran past the time budget");
                now(respond(&replies::seller_busy().response()))
            }
        }
    }

    /// Runs `work` for at most the budget: its reply as the response, or a deferred (private)
    /// response and a follow-up that finishes the work and edits the response.
    async fn within_budget(&self, mut work: Work, token: String) -> Answered {
        match tokio::time::timeout(self.inner.config.budget, &mut work).await {
            Ok(reply) => now(respond(&reply.response())),
            Err(_) => {
                tracing::info!("reply deferred past the time budget");
                let api = self.inner.api.clone();
                let follow_up: FollowUp = Box::pin(async move {
                    let reply = work.await;
                    deliver(&api, &token, &reply).await;
                });
                Answered {
                    response: respond(&replies::deferred(true)),
                    follow_up: Some(follow_up),
                }
            }
        }
    }
}

/// Edits the deferred response, retrying briefly: the edit can race the deferred response
/// itself on its way to Discord, and the interaction token lives 15 minutes.
async fn deliver(api: &DiscordApi, token: &str, reply: &Reply) {
    let mut wait = Duration::from_millis(250);
    for attempt in 1..=5 {
        match api.edit_original(token, reply).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, "editing a deferred response failed");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
    tracing::error!("a deferred response could not be delivered");
}

fn claimer(user: u64, guild: Option<u64>, member: Option<&Member>) -> Claimer {
    Claimer {
        user,
        guild,
        roles: member.map_or_else(Vec::new, |m| m.roles.iter().map(|r| r.get()).collect()),
    }
}

async fn interactions(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let answered = endpoint.service.interact(&headers, &body).await;
    if let Some(follow_up) = answered.follow_up {
        (endpoint.follow_ups)(follow_up);
    }
    answered.response
}

fn now(response: Response) -> Answered {
    Answered {
        response,
        follow_up: None,
    }
}

fn respond(r: &CreateInteractionResponse) -> Response {
    json_response(StatusCode::OK, r)
}

fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, &serde_json::json!({ "error": message }))
}
