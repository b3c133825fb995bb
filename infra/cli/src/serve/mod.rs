//! `promo serve`: the whole product on one machine, running the very handlers deployed on
//! Lambda: the claim and redemption API, the Telegram webhook (or long polling), the Discord
//! interactions endpoint, the dashboards, with the expire sweep and the waitlist notifier in the
//! background. A bot is mounted when its configuration is in the environment.

mod background;
mod listener;

use crate::cli::ServeArgs;
use crate::service::Services;
use anyhow::{Context, anyhow};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use promo_discord::{DiscordConfig, DiscordService, FollowUps};
use promo_stats::StatsService;
use promo_store::Store;
use promo_telegram::{TelegramConfig, TelegramService};
use std::sync::Arc;
use std::time::Duration;

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(data: &str, args: ServeArgs) -> anyhow::Result<()> {
    let key = args
        .api_key
        .clone()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| anyhow!("no API key: set PROMO_API_KEY or pass --api-key"))?;
    // Refused before anything starts: a short key is guessable.
    promo_api::ApiKey::new(&key).context("PROMO_API_KEY")?;
    promo_api::init_tracing();
    let config = crate::store::config(data);
    let store = crate::store::connect(data).await?;
    let services = Services::new(store.clone(), &key)?;
    let apps = Apps::from_env(&store, &key)?;
    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .with_context(|| format!("listening on {}:{}", args.bind, args.port))?;
    let addr = listener.local_addr()?;
    println!(
        "promo API listening on http://{addr} ({})",
        crate::store::describe(&config)
    );
    println!("  POST http://{addr}/v1/campaigns/{{campaign}}/claims   (header x-api-key)");
    println!("  POST http://{addr}/v1/redemptions                   (header x-api-key)");
    println!("  GET  http://{addr}/healthz");
    apps.describe(addr);
    let sweeper = store.clone();
    let mut background = vec![tokio::spawn(background::supervise(
        "expire sweep",
        move || background::sweep_forever(sweeper.clone()),
    ))];
    if let Some(telegram) = apps.telegram.clone() {
        let notifier = telegram.clone();
        background.push(tokio::spawn(background::supervise(
            "waitlist notifier",
            move || background::notify_forever(notifier.clone()),
        )));
        if args.telegram_polling {
            println!("  Telegram: long polling");
            background.push(tokio::spawn(background::supervise(
                "Telegram long polling",
                move || {
                    let telegram = telegram.clone();
                    async move { telegram.poll(std::future::pending::<()>()).await }
                },
            )));
        }
    } else if args.telegram_polling {
        anyhow::bail!("--telegram-polling needs PROMO_TELEGRAM_TOKEN and PROMO_TELEGRAM_BOT");
    }
    let limits = listener::Limits {
        max_connections: args.max_connections,
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
    };
    listener::serve(
        listener,
        router(&services, &apps, store),
        limits,
        shutdown(),
    )
    .await;
    for task in background {
        task.abort();
    }
    println!("stopped");
    Ok(())
}

/// The routes: every configured function's own router (a bot whose variables are unset is not
/// mounted, so its route answers 404), `/healthz`, and the layers the Lambdas get
/// ([`promo_api::app`]).
pub fn router(services: &Services, apps: &Apps, store: Store) -> Router {
    let mut router = Router::new()
        .route(promo_api::routes::HEALTH, get(health).with_state(store))
        .merge(services.issue.router())
        .merge(services.redeem.router());
    if let Some(telegram) = &apps.telegram {
        router = router.merge(telegram.router());
    }
    if let Some(discord) = &apps.discord {
        // A deferred reply: the follow-up edits it once the claim is done.
        let follow_ups: FollowUps = Arc::new(|follow_up| {
            tokio::spawn(follow_up);
        });
        router = router.merge(discord.router(follow_ups));
    }
    if let Some(stats) = &apps.stats {
        router = router.merge(stats.router());
    }
    promo_api::app(router)
}

/// `GET /healthz`: 200 `ok` when the store answers, 503 otherwise.
async fn health(State(store): State<Store>) -> (StatusCode, &'static str) {
    match store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the store did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

/// The handlers beyond the API, each present when configured.
pub struct Apps {
    telegram: Option<TelegramService>,
    discord: Option<DiscordService>,
    stats: Option<StatsService>,
}

impl Apps {
    /// Reads each app's configuration from the environment: a bot whose variables are unset is
    /// not mounted (its route answers 404); a bot whose variables are wrong stops the start.
    fn from_env(store: &Store, api_key: &str) -> anyhow::Result<Self> {
        let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
        let telegram = if set("PROMO_TELEGRAM_TOKEN") {
            let config = TelegramConfig::from_env().context("the Telegram bot's configuration")?;
            Some(TelegramService::new(store.clone(), config))
        } else {
            None
        };
        let discord = if set("PROMO_DISCORD_PUBLIC_KEY") {
            let config = DiscordConfig::from_env().context("the Discord bot's configuration")?;
            Some(DiscordService::new(store.clone(), config))
        } else {
            None
        };
        let stats = match std::env::var("PROMO_LINK_SECRET") {
            Ok(secret) if !secret.trim().is_empty() => Some(StatsService::new(
                store.clone(),
                crate::overview::link_key(Some(&secret))?,
                promo_api::ApiKey::new(api_key).context("the API key")?,
            )),
            _ => None,
        };
        Ok(Self {
            telegram,
            discord,
            stats,
        })
    }

    fn describe(&self, addr: std::net::SocketAddr) {
        let on = |present: bool, what: &str, how: &str| {
            if present {
                println!("  {what}");
            } else {
                println!("  ({how})");
            }
        };
        on(
            self.telegram.is_some(),
            &format!("POST http://{addr}/telegram/webhook          (Telegram)"),
            "Telegram off: set PROMO_TELEGRAM_TOKEN, PROMO_TELEGRAM_BOT, PROMO_LINK_SECRET",
        );
        on(
            self.discord.is_some(),
            &format!("POST http://{addr}/discord/interactions      (Discord)"),
            "Discord off: set PROMO_DISCORD_PUBLIC_KEY, PROMO_DISCORD_APP_ID, PROMO_LINK_SECRET",
        );
        on(
            self.stats.is_some(),
            &format!(
                "GET  http://{addr}/i/{{token}}, /seller/{{token}}  (dashboards; `promo influencer link`)"
            ),
            "dashboards off: set PROMO_LINK_SECRET",
        );
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
