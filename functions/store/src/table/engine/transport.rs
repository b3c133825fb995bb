//! The SDK client's transport to the embedded engine: each request the SDK would send over HTTP
//! is handed to the engine's queue inside the process, and its answer comes back as the HTTP
//! response. No socket, so nothing outside the process can reach the engine this way.

use super::wire::Reply;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use tokio::sync::{mpsc, oneshot};

/// One request for the engine: the `X-Amz-Target` header, the body, and where to answer.
pub struct Job {
    /// The operation's `X-Amz-Target`.
    pub target: Option<String>,
    /// The JSON body.
    pub body: Vec<u8>,
    /// The caller, who may have given up (an SDK time-out) by the time the job runs.
    pub reply: oneshot::Sender<Reply>,
}

/// The engine's queue, cheap to clone; every clone feeds the same engine.
#[derive(Debug, Clone)]
pub struct Queue {
    jobs: mpsc::UnboundedSender<Job>,
}

/// The engine is gone (its handle was dropped): nothing ran.
#[derive(Debug, thiserror::Error)]
#[error("the embedded engine has stopped")]
pub struct Stopped;

impl Queue {
    /// A queue and the receiving end the engine reads.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Job>) {
        let (jobs, incoming) = mpsc::unbounded_channel();
        (Self { jobs }, incoming)
    }

    /// Runs one request on the engine and waits for its answer.
    pub async fn call(&self, target: Option<String>, body: Vec<u8>) -> Result<Reply, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                target,
                body,
                reply,
            })
            .map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }
}

/// The in-process transport: an [`HttpClient`] for the SDK whose connector is the engine queue.
#[derive(Debug, Clone)]
pub struct InProcess {
    queue: Queue,
}

impl InProcess {
    /// A transport onto `queue`.
    pub fn new(queue: Queue) -> Self {
        Self { queue }
    }
}

impl HttpConnector for InProcess {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request.headers().get("x-amz-target").map(str::to_owned);
        // DynamoDB requests are JSON documents the SDK holds in memory.
        let body = request.body().bytes().map(<[u8]>::to_vec);
        let queue = self.queue.clone();
        HttpConnectorFuture::new(async move {
            let body = body.ok_or_else(|| {
                ConnectorError::other("a streaming body for the embedded engine".into(), None)
            })?;
            let reply = queue
                .call(target, body)
                .await
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            response(reply)
        })
    }
}

impl HttpClient for InProcess {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// The HTTP response DynamoDB would send for `reply`.
fn response(reply: Reply) -> Result<HttpResponse, ConnectorError> {
    let status =
        StatusCode::try_from(reply.status).map_err(|e| ConnectorError::other(e.into(), None))?;
    let length = reply.body.len();
    let mut response = HttpResponse::new(status, SdkBody::from(reply.body));
    let headers = response.headers_mut();
    headers.insert("content-type", "application/x-amz-json-1.0");
    headers.insert("content-length", length.to_string());
    headers.insert("x-amzn-requestid", super::request_id());
    Ok(response)
}
