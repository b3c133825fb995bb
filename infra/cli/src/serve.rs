//! `promo serve`: the claim and redemption API on one machine, running the very handlers
//! deployed on Lambda, with the expire sweep in the background.

use crate::bridge::{from_lambda, to_lambda};
use crate::cli::ServeArgs;
use crate::service::{Services, sweep_all};
use anyhow::{Context, anyhow};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;
use axum::routing::{any, get};
use promo_api::ApiError;
use promo_core::Timestamp;
use promo_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often the background sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(data: &str, args: ServeArgs) -> anyhow::Result<()> {
    let key = args
        .api_key
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| anyhow!("no API key: set PROMO_API_KEY or pass --api-key"))?;
    promo_api::init_tracing();
    let config = crate::store::config(data);
    let store = crate::store::connect(data).await?;
    let services = Arc::new(Services::new(store.clone(), &key)?);
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
    let sweeper = tokio::spawn(sweep_forever(store));
    let served = axum::serve(listener, router(services))
        .with_graceful_shutdown(shutdown())
        .await;
    sweeper.abort();
    served.context("serving HTTP")?;
    println!("stopped");
    Ok(())
}

/// The routes, mounting the Lambda handlers.
pub fn router(services: Arc<Services>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        // `any`: the handlers answer a wrong method themselves, in the API's JSON shape.
        .route("/v1/campaigns/{campaign}/claims", any(issue))
        .route("/v1/redemptions", any(redeem))
        .fallback(|| async { from_lambda(ApiError::NotFound.to_response()) })
        .with_state(services)
}

async fn issue(State(services): State<Arc<Services>>, req: Request<Body>) -> Response {
    match to_lambda(req).await {
        Ok(req) => from_lambda(services.issue.handle(req).await),
        Err(refused) => refused,
    }
}

async fn redeem(State(services): State<Arc<Services>>, req: Request<Body>) -> Response {
    match to_lambda(req).await {
        Ok(req) => from_lambda(services.redeem.handle(req).await),
        Err(refused) => refused,
    }
}

async fn sweep_forever(store: Store) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        match sweep_all(&store, Timestamp::now()).await {
            Ok(0) => {}
            Ok(retired) => tracing::info!(retired, "expire sweep retired unissued codes"),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "expire sweep failed; retrying next minute"
            ),
        }
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
