//! Your own backend: an in-house LLM gateway traced like a built-in provider.
//!
//! ```text
//! cargo run --example custom_backend
//! ```
//!
//! "Acme Gateway" speaks its own JSON (`{"model", "prompt"}` in,
//! `{"text", "tokens": {"in", "out", "cached"}}` out). Part 1 below is all
//! llm-trace needs: a `Provider` type and two small impls that say what the
//! gateway's request and reply types mean, normalized to the GenAI
//! conventions (the gateway's `in` leaves out cached tokens;
//! `gen_ai.usage.input_tokens` includes them). Part 2 is the application:
//! an `#[llm_call(provider = AcmeGateway, ...)]` function calling the gateway
//! over real loopback HTTP (a small hyper server stands in for it, part 3),
//! and the spans of the run read back from the embedded default's file and
//! printed as a tree.

use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use llm_trace::export::Destination;
use llm_trace::llm_call;
use llm_trace::opentelemetry::KeyValue;
use llm_trace::opentelemetry_semantic_conventions::resource::SERVICE_INSTANCE_ID;
use llm_trace_testkit::readback::{new_instance_id, run_spans};
use llm_trace_testkit::tree;

// ---------------------------------------------------------------------------
// 1. The provider: the gateway's types and what they mean. This is the part
//    to copy for your own backend.
// ---------------------------------------------------------------------------
mod acme {
    use llm_trace::provider::{
        Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, Usage,
    };
    use serde::{Deserialize, Serialize};

    /// The in-house gateway: its `gen_ai.provider.name`, default operation
    /// and usual server.
    pub struct AcmeGateway;

    impl Provider for AcmeGateway {
        const NAME: &'static str = "acme.gateway";
        const DEFAULT_OPERATION: &'static str = "chat";
        const SERVER_ADDRESS: Option<&'static str> = Some("llm.acme.internal");
    }

    /// `POST /v1/generate` body.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct AcmeRequest {
        pub model: String,
        pub prompt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_tokens: Option<u64>,
    }

    /// The gateway's reply.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct AcmeReply {
        pub id: String,
        pub model: String,
        pub text: String,
        pub stop: String,
        pub tokens: Tokens,
    }

    /// The gateway's counts: `in` leaves out the `cached` prompt tokens.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct Tokens {
        #[serde(rename = "in")]
        pub input: u64,
        #[serde(rename = "out")]
        pub output: u64,
        pub cached: u64,
    }

    impl RequestFacts<AcmeGateway> for AcmeRequest {
        fn request_model(&self) -> Option<&str> {
            Some(&self.model)
        }
        fn request_info(&self) -> RequestInfo<'_> {
            RequestInfo {
                model: Some(self.model.as_str().into()),
                max_tokens: self.max_tokens,
                ..RequestInfo::default()
            }
        }
    }

    impl ResponseFacts<AcmeGateway> for AcmeReply {
        fn response_info(&self) -> ResponseInfo<'_> {
            ResponseInfo {
                id: Some(self.id.as_str().into()),
                model: Some(self.model.as_str().into()),
                finish_reasons: vec![self.stop.as_str().into()],
                usage: ResponseFacts::<AcmeGateway>::usage(self),
                ..ResponseInfo::default()
            }
        }
        // Read for every call (metrics), so it does not allocate.
        fn usage(&self) -> Option<Usage> {
            Some(Usage {
                // The conventions' input tokens include the cached ones.
                input_tokens: Some(self.tokens.input + self.tokens.cached),
                output_tokens: Some(self.tokens.output),
                cache_read_input_tokens: Some(self.tokens.cached),
                ..Usage::default()
            })
        }
        fn response_model(&self) -> Option<&str> {
            Some(&self.model)
        }
    }
}

use acme::{AcmeGateway, AcmeReply, AcmeRequest};

// ---------------------------------------------------------------------------
// 2. The application: one annotated function per call site.
// ---------------------------------------------------------------------------

/// Answers a support question through the gateway.
#[llm_call(provider = AcmeGateway, request = req, server = base_url, feature = "faq")]
async fn ask(
    http: &reqwest::Client,
    base_url: &str,
    req: AcmeRequest,
) -> Result<AcmeReply, reqwest::Error> {
    http.post(format!("{base_url}/v1/generate"))
        .json(&req)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // A fresh service.instance.id finds this run's spans in the file later;
    // an application only needs `llm_trace::init()`.
    let run_id = new_instance_id();
    let telemetry = llm_trace::builder()
        .resource_attributes([KeyValue::new(SERVICE_INSTANCE_ID, run_id.clone())])
        .init()?;

    let base_url = gateway::start().await?;
    println!("acme gateway (mock) at {base_url}\n");
    let http = reqwest::Client::new();
    for question in [
        "How do I reset my password?",
        "Can I export dashboards as PDF?",
    ] {
        let req = AcmeRequest {
            model: "acme-large-2".into(),
            prompt: question.into(),
            max_tokens: Some(256),
        };
        let reply = ask(&http, &base_url, req).await?;
        println!("{question}\n  -> {}", reply.text);
    }

    let destination = telemetry.destination().cloned();
    telemetry.shutdown()?;
    match destination {
        Some(Destination::File { traces, .. }) => {
            let spans = run_spans(&traces, &run_id)?;
            println!(
                "\nspans of this run, read back from {}:\n",
                traces.display()
            );
            println!("{}", tree::render(spans));
        }
        Some(other) => println!("\nspans were exported: {other}"),
        None => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 3. A stand-in for the gateway: loopback HTTP with hyper. The first call
//    writes a 96-token preamble to its cache, later calls read it.
// ---------------------------------------------------------------------------
mod gateway {
    use super::*;
    use http_body_util::{BodyExt, Full};
    use hyper::body::{Bytes, Incoming};
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper::{Request, Response, StatusCode};
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;

    use crate::acme::Tokens;

    const PREAMBLE_TOKENS: u64 = 96;

    /// Starts the gateway on a free loopback port; returns its base URL.
    pub async fn start() -> std::io::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let cached = Arc::new(AtomicBool::new(false));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let cached = cached.clone();
                let service = service_fn(move |req| answer(req, cached.clone()));
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Ok(format!("http://{addr}"))
    }

    async fn answer(
        req: Request<Incoming>,
        cached: Arc<AtomicBool>,
    ) -> Result<Response<Full<Bytes>>, hyper::Error> {
        let body = req.into_body().collect().await?.to_bytes();
        let Ok(request) = serde_json::from_slice::<AcmeRequest>(&body) else {
            let mut bad = Response::new(Full::new(Bytes::from_static(b"bad request")));
            *bad.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(bad);
        };
        let prompt_tokens = request.prompt.split_whitespace().count() as u64;
        let hit = cached.swap(true, Ordering::SeqCst);
        let text = format!("See the help centre article on \"{}\".", request.prompt);
        let reply = AcmeReply {
            id: format!("acme-{}", prompt_tokens * 1000 + u64::from(hit)),
            model: format!("{}-20260101", request.model),
            tokens: Tokens {
                input: prompt_tokens + if hit { 0 } else { PREAMBLE_TOKENS },
                output: text.split_whitespace().count() as u64,
                cached: if hit { PREAMBLE_TOKENS } else { 0 },
            },
            text,
            stop: "end".into(),
        };
        let json = serde_json::to_vec(&reply).unwrap_or_default();
        Ok(Response::new(Full::new(Bytes::from(json))))
    }
}
