//! Routers: mounting a [`Route`] with its method and body limit, the layers every deployed router
//! gets (404 and 405 in the API's JSON shape, panics caught), and [`call`], which runs a router
//! on one request the way API Gateway or `promo serve` would.

use crate::routes::Route;
use crate::{ApiError, Response};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Request as AxumRequest};
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, on};
use bytes::Bytes;
use http_body_util::BodyExt;
use lambda_http::http::header;
use std::any::Any;
use std::time::Duration;
use tower::ServiceExt;
use tower::util::MapRequest;
use tower_http::catch_panic::CatchPanicLayer;

/// A response with its whole body read: what [`call`] returns, for tests and in-process drivers.
pub type Buffered = lambda_http::Response<lambda_http::Body>;

/// An oversized body that declares its length is read and thrown away up to this size (for at
/// most 5 s) before answering 413, so that a client still sending it sees the answer rather than
/// a reset connection.
const DRAIN_LIMIT: u64 = 8 * 1024 * 1024;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

impl Route {
    /// Mounts `handler` at this route on `router`: its method only (any other gets 405 with
    /// `Allow`), its body class's limit (413 beyond it, before the handler runs).
    pub fn mount<S, H, T>(&self, router: Router<S>, handler: H) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
        H: Handler<T, S>,
        T: 'static,
    {
        let allow = self.method;
        let filter = if allow == "GET" {
            MethodFilter::GET
        } else {
            MethodFilter::POST
        };
        let limit = self.body.limit();
        let method_router = on(filter, handler)
            .fallback(move || async move { ApiError::MethodNotAllowed { allow } })
            .layer(DefaultBodyLimit::max(limit))
            .layer(middleware::from_fn(move |req, next| {
                refuse_declared_oversize(limit, req, next)
            }));
        router.route(self.path, method_router)
    }
}

/// A body larger than `limit` by its `Content-Length` is answered 413 without running the
/// handler; a body that only turns out too large while streaming is refused by
/// [`DefaultBodyLimit`] through [`RawBody`].
async fn refuse_declared_oversize(limit: usize, req: AxumRequest, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => {
            if n <= DRAIN_LIMIT {
                let body = req.into_body();
                let _ = tokio::time::timeout(Duration::from_secs(5), body.collect()).await;
            }
            ApiError::PayloadTooLarge.to_response()
        }
        _ => next.run(req).await,
    }
}

/// Finishes a router for deployment: unknown paths answer 404 `not_found`, and a panic in any
/// handler is caught, logged without its message (which may quote the input) and answered 500
/// `internal`, so the connection survives and the platform retries. Lambda `main`s,
/// `promo serve` and [`call`] all use it.
pub fn app(router: Router) -> Router {
    router
        .fallback(|| async { ApiError::NotFound })
        .layer(CatchPanicLayer::custom(answer_panic))
}

fn answer_panic(_panic: Box<dyn Any + Send + 'static>) -> Response {
    // The panic hook (see `init_tracing`) has logged where it happened.
    tracing::error!("a handler panicked; answered 500");
    ApiError::Internal.to_response()
}

/// The service a Lambda runs: `router` finished with [`app`], behind [`without_stage`].
pub fn lambda_app(router: Router) -> MapRequest<Router, fn(crate::Request) -> crate::Request> {
    MapRequest::new(app(router), without_stage)
}

/// Takes an API Gateway stage off the front of the path (`/prod/v1/redemptions` under stage
/// `prod` becomes `/v1/redemptions`), so the routes match under any stage: `lambda_http` keeps
/// a named stage in the path. The `$default` stage has no prefix.
fn without_stage(mut req: crate::Request) -> crate::Request {
    use lambda_http::request::RequestContext;
    let stage = match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(c)) => c.stage.clone(),
        Some(RequestContext::ApiGatewayV1(c)) => c.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else {
        return req;
    };
    let uri = req.uri();
    let prefix = format!("/{stage}");
    let Some(rest) = uri.path().strip_prefix(&prefix) else {
        return req;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return req;
    }
    let rest = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    if let Ok(p) = path_and_query.parse() {
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(p);
        if let Ok(new) = lambda_http::http::Uri::from_parts(parts) {
            *req.uri_mut() = new;
        }
    }
    req
}

/// Runs `router` (as [`lambda_app`] serves it) on one request and reads the whole response, as
/// API Gateway does with a Lambda's answer.
pub async fn call(router: Router, req: crate::Request) -> Buffered {
    let response = match lambda_app(router).oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            tracing::error!(error = %e, "reading a response body failed");
            Bytes::new()
        }
    };
    let body = if body.is_empty() {
        lambda_http::Body::Empty
    } else {
        match String::from_utf8(body.to_vec()) {
            Ok(text) => lambda_http::Body::Text(text),
            Err(e) => lambda_http::Body::Binary(e.into_bytes()),
        }
    };
    lambda_http::Response::from_parts(parts, body)
}

/// A request's whole body, within its route's limit. Too large: 413 `payload_too_large`; a
/// body that cannot be read (the client went away): 400.
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: AxumRequest, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(e) if e.status() == lambda_http::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(_) => Err(ApiError::BadRequest("the body could not be read".into())),
        }
    }
}

/// A route's one path parameter (`{campaign}`, `{token}`), percent-decoded. A parameter that is
/// not UTF-8 once decoded gets 404, as a path that names nothing.
#[derive(Debug, Clone)]
pub struct Param(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Param {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut lambda_http::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        let first = params.iter().next().map(|(_, v)| v.to_owned());
        first.map(Self).ok_or(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{BodyClass, Function};
    use axum::extract::State;

    const ECHO: Route = Route {
        function: Function::Issue,
        method: "POST",
        path: "/echo/{name}",
        body: BodyClass::Api,
    };
    const BOOM: Route = Route {
        function: Function::Stats,
        method: "GET",
        path: "/boom",
        body: BodyClass::Page,
    };

    async fn echo(
        State(tag): State<&'static str>,
        Param(name): Param,
        RawBody(b): RawBody,
    ) -> String {
        format!("{tag}:{name}:{}", b.len())
    }

    #[allow(clippy::panic)]
    async fn boom() -> &'static str {
        panic!("secret-input-AAAA-BBBBBB-CCCCCC")
    }

    fn router() -> Router {
        let r = ECHO.mount(Router::new(), echo).with_state("t");
        BOOM.mount(r, boom)
    }

    fn req(method: &str, path: &str, body: Vec<u8>) -> crate::Request {
        lambda_http::http::Request::builder()
            .method(method)
            .uri(path)
            .body(lambda_http::Body::Binary(body))
            .expect("request")
    }

    fn reason(r: &Buffered) -> String {
        let v: serde_json::Value = serde_json::from_slice(r.body()).expect("JSON");
        v["error"]["reason"].as_str().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn a_route_answers_its_method_and_refuses_others_in_json() {
        let ok = call(router(), req("POST", "/echo/caf%C3%A9", b"abc".to_vec())).await;
        assert_eq!(ok.status(), 200);
        assert_eq!(&ok.body()[..], "t:café:3".as_bytes());
        let wrong = call(router(), req("GET", "/echo/x", vec![])).await;
        assert_eq!(wrong.status(), 405);
        assert_eq!(wrong.headers()[header::ALLOW], "POST");
        assert_eq!(reason(&wrong), "method_not_allowed");
        let none = call(router(), req("POST", "/nowhere", vec![])).await;
        assert_eq!(none.status(), 404);
        assert_eq!(reason(&none), "not_found");
    }

    #[tokio::test]
    async fn a_body_over_its_class_limit_is_refused_with_413() {
        let limit = BodyClass::Api.limit();
        let at = call(router(), req("POST", "/echo/x", vec![b' '; limit])).await;
        assert_eq!(at.status(), 200);
        let over = call(router(), req("POST", "/echo/x", vec![b' '; limit + 1])).await;
        assert_eq!(over.status(), 413);
        assert_eq!(reason(&over), "payload_too_large");
        // Declared too large: refused before the body is read.
        let mut declared = req("POST", "/echo/x", vec![b' '; 10]);
        declared
            .headers_mut()
            .insert(header::CONTENT_LENGTH, (limit + 1).into());
        assert_eq!(call(router(), declared).await.status(), 413);
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_without_its_message_and_the_router_lives_on() {
        let r = router();
        let panicked = call(r.clone(), req("GET", "/boom", vec![])).await;
        assert_eq!(panicked.status(), 500);
        assert_eq!(reason(&panicked), "internal");
        let body = String::from_utf8_lossy(panicked.body()).into_owned();
        assert!(!body.contains("secret-input"), "{body}");
        // The same router serves the next request.
        let after = call(r, req("POST", "/echo/x", b"1".to_vec())).await;
        assert_eq!(after.status(), 200);
    }

    #[tokio::test]
    async fn a_named_stage_is_taken_off_the_path() {
        let mut staged = req("POST", "/prod/echo/x?a=1", b"12".to_vec());
        let mut context =
            lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
        context.stage = Some("prod".into());
        staged
            .extensions_mut()
            .insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
        let r = call(router(), staged).await;
        assert_eq!(r.status(), 200);
        assert_eq!(&r.body()[..], b"t:x:2");
        // Without a stage in the context, a prefix is just another path.
        assert_eq!(
            call(router(), req("POST", "/prod/echo/x", vec![]))
                .await
                .status(),
            404
        );
    }
}
