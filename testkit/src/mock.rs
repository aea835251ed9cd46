//! An in-process mock LLM server on loopback, and a small typed client for it.
//!
//! [`MockServer`] answers the two wire formats llm-trace ships providers for,
//! so examples and tests make real HTTP calls without a network or an API key:
//!
//! - OpenAI-compatible `POST /v1/chat/completions`;
//! - Anthropic-compatible `POST /v1/messages`.
//!
//! Answers are derived from the request, deterministically:
//!
//! - `model` echoes the requested model with a dated suffix
//!   (`gpt-4o-mini` → `gpt-4o-mini-2024-07-18`, `claude-sonnet-4-5` →
//!   `claude-sonnet-4-5-20250929`);
//! - ids hash the request body and its position in the server's sequence;
//! - token counts follow the text length (about four characters a token,
//!   plus a few tokens of framing per message);
//! - the prompt cache is simulated: the server remembers the cacheable
//!   prefix of each prompt (the leading `system`/`developer` messages for
//!   OpenAI; for Anthropic, the `system` blocks up to the last one marked with
//!   `cache_control`) and reports it as cached the next time the same model
//!   sees it. Anthropic also reports the first sighting as a cache write.
//!   There is no minimum prefix length, unlike the real APIs;
//! - OpenAI reasoning models (`o1`, `o3`, `o4-mini`, `gpt-5`, ...) report
//!   reasoning tokens, counted in `completion_tokens` as OpenAI does;
//! - `n` (OpenAI) gives that many choices; `max_tokens` /
//!   `max_completion_tokens` truncate the reply (`finish_reason: "length"`,
//!   `stop_reason: "max_tokens"`).
//!
//! Failures are on request: a model named `force-<status>` (`force-429`,
//! `force-500`, `force-529`, ...) gets that HTTP status with the provider's
//! error body. Malformed requests get `400`, unknown paths `404`.
//!
//! Streaming requests (`"stream": true`) get the same answer as server-sent
//! events, in the provider's event sequence: OpenAI's `chat.completion.chunk`s
//! (role, one chunk per word, the finish reason, then the usage when
//! `stream_options.include_usage` is set, then `[DONE]`); Anthropic's
//! `message_start` (input usage), `content_block_start`/`_delta`/`_stop`,
//! `message_delta` (stop reason, output usage) and `message_stop`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::convert::Infallible;
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use llm_trace::provider::anthropic::{MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest, Content};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Path of the OpenAI-compatible Chat Completions endpoint.
pub const OPENAI_CHAT_PATH: &str = "/v1/chat/completions";
/// Path of the Anthropic-compatible Messages endpoint.
pub const ANTHROPIC_MESSAGES_PATH: &str = "/v1/messages";

/// Request bodies above this size get `413`, so a runaway client cannot make
/// the mock buffer without bound.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A running mock LLM server on `127.0.0.1` at an OS-chosen port.
///
/// Dropping it stops the server and closes its open connections.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl MockServer {
    /// Binds `127.0.0.1:0` and starts serving on the current tokio runtime.
    pub async fn start() -> std::io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        Ok(MockServer {
            addr,
            state,
            accept,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL both APIs are served under.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests the server has answered so far, errors included.
    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // The accept task owns the connection tasks (a `JoinSet`), so
        // aborting it closes every connection too.
        self.accept.abort();
    }
}

/// What the server remembers across requests.
#[derive(Debug, Default)]
struct State {
    requests: AtomicU64,
    /// Hashes of (provider, model, prefix) the simulated prompt cache holds.
    cache: Mutex<HashSet<u64>>,
}

impl State {
    /// Registers a cacheable prefix; true when it was already cached.
    fn cache_hit(&self, key: u64) -> bool {
        // A poisoned lock only means another request panicked mid-insert;
        // the set itself is still valid.
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        !cache.insert(key)
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = Arc::clone(&state);
                    let service = service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(handle(&state, req).await) }
                    });
                    // The timer lets hyper's header-read timeout close stalled connections.
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service);
                    connections.spawn(async move {
                        // A client hanging up mid-request is not the server's problem.
                        let _ = conn.await;
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow forever.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Which wire format an error body follows.
#[derive(Debug, Clone, Copy)]
enum Flavor {
    OpenAi,
    Anthropic,
}

/// A failed request, rendered in the caller's API flavor.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn into_response(self, flavor: Flavor) -> Response<Full<Bytes>> {
        let status = self.status.as_u16();
        let body = match flavor {
            Flavor::OpenAi => {
                let (kind, code) = match status {
                    401 => ("invalid_request_error", Some("invalid_api_key")),
                    404 => ("invalid_request_error", Some("model_not_found")),
                    429 => ("requests", Some("rate_limit_exceeded")),
                    500..=599 => ("server_error", None),
                    _ => ("invalid_request_error", None),
                };
                json!({"error": {"message": self.message, "type": kind, "param": null, "code": code}})
            }
            Flavor::Anthropic => {
                let kind = match status {
                    401 => "authentication_error",
                    403 => "permission_error",
                    404 => "not_found_error",
                    413 => "request_too_large",
                    429 => "rate_limit_error",
                    529 => "overloaded_error",
                    500..=599 => "api_error",
                    _ => "invalid_request_error",
                };
                json!({"type": "error", "error": {"type": kind, "message": self.message}})
            }
        };
        let mut response = json_response(self.status, &body);
        if status == 429 {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let seq = state.requests.fetch_add(1, Ordering::Relaxed);
    let flavor = if req.uri().path() == ANTHROPIC_MESSAGES_PATH {
        Flavor::Anthropic
    } else {
        Flavor::OpenAi
    };
    match route(state, seq, req).await {
        Ok(response) => response,
        Err(error) => error.into_response(flavor),
    }
}

async fn route(
    state: &State,
    seq: u64,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let path = req.uri().path().to_owned();
    if path != OPENAI_CHAT_PATH && path != ANTHROPIC_MESSAGES_PATH {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no route for {path}: the mock serves POST {OPENAI_CHAT_PATH} and POST {ANTHROPIC_MESSAGES_PATH}"),
        ));
    }
    if req.method() != Method::POST {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} accepts POST only"),
        ));
    }
    let body = match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            return Err(if error.is::<http_body_util::LengthLimitError>() {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body exceeds {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::bad_request(format!("could not read the request body: {error}"))
            });
        }
    };
    let id_seed = fnv1a(&[&seq.to_le_bytes(), path.as_bytes(), &body]);
    let answer = if path == OPENAI_CHAT_PATH {
        openai_chat(state, id_seed, &parse(&body)?)?
    } else {
        anthropic_messages(state, id_seed, &parse(&body)?)?
    };
    let request: Value = parse(&body)?;
    let mut response = if request.get("stream").and_then(Value::as_bool) == Some(true) {
        let include_usage = request
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            == Some(true);
        let events = if path == OPENAI_CHAT_PATH {
            openai_events(&answer, include_usage)
        } else {
            anthropic_events(&answer)
        };
        sse_response(&events)
    } else {
        json_response(StatusCode::OK, &answer)
    };
    if let Ok(value) = HeaderValue::from_str(&format!("req_mock{id_seed:016x}")) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Full<Bytes>> {
    // Serializing a `Value` or a derived struct to a Vec cannot fail.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Server-sent events: `event:` lines where the provider names its events,
/// `data:` lines, a blank line after each.
fn sse_response(events: &[(Option<&str>, String)]) -> Response<Full<Bytes>> {
    let mut text = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            let _ = writeln!(text, "event: {name}");
        }
        let _ = write!(text, "data: {data}\n\n");
    }
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    response
}

/// The words of `text`, each with its leading space, for one delta each.
fn pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        pieces.push(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        });
    }
    pieces
}

/// A Chat Completion as the chunks OpenAI streams it.
fn openai_events(answer: &Value, include_usage: bool) -> Vec<(Option<&'static str>, String)> {
    let chunk = |choices: Value, usage: Option<&Value>| {
        let mut chunk = json!({
            "id": answer["id"], "object": "chat.completion.chunk",
            "created": answer["created"], "model": answer["model"],
            "system_fingerprint": answer["system_fingerprint"], "choices": choices,
        });
        if let Some(usage) = usage {
            chunk["usage"] = usage.clone();
        }
        chunk.to_string()
    };
    let mut events = Vec::new();
    let empty = Vec::new();
    let choices = answer["choices"].as_array().unwrap_or(&empty);
    for choice in choices {
        let index = &choice["index"];
        events.push((None, chunk(json!([{"index": index, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]), None)));
        for piece in pieces(choice["message"]["content"].as_str().unwrap_or("")) {
            events.push((
                None,
                chunk(
                    json!([{"index": index, "delta": {"content": piece}, "finish_reason": null}]),
                    None,
                ),
            ));
        }
        events.push((
            None,
            chunk(
                json!([{"index": index, "delta": {}, "finish_reason": choice["finish_reason"]}]),
                None,
            ),
        ));
    }
    if include_usage {
        events.push((None, chunk(json!([]), Some(&answer["usage"]))));
    }
    events.push((None, "[DONE]".to_owned()));
    events
}

/// A Messages response as the events Anthropic streams it.
fn anthropic_events(answer: &Value) -> Vec<(Option<&'static str>, String)> {
    let usage = &answer["usage"];
    let mut start = answer.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    start["usage"] = json!({
        "input_tokens": usage["input_tokens"],
        "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
        "cache_read_input_tokens": usage["cache_read_input_tokens"],
        "output_tokens": 1,
    });
    let mut events = vec![
        (Some("message_start"), json!({"type": "message_start", "message": start}).to_string()),
        (Some("content_block_start"), json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}).to_string()),
        (Some("ping"), json!({"type": "ping"}).to_string()),
    ];
    let text = answer["content"][0]["text"].as_str().unwrap_or("");
    for piece in pieces(text) {
        events.push((Some("content_block_delta"), json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}).to_string()));
    }
    events.push((
        Some("content_block_stop"),
        json!({"type": "content_block_stop", "index": 0}).to_string(),
    ));
    events.push((
        Some("message_delta"),
        json!({
            "type": "message_delta",
            "delta": {"stop_reason": answer["stop_reason"], "stop_sequence": null},
            "usage": {"output_tokens": usage["output_tokens"]},
        })
        .to_string(),
    ));
    events.push((
        Some("message_stop"),
        json!({"type": "message_stop"}).to_string(),
    ));
    events
}

/// `force-<status>`: the error the caller asked for.
fn forced_error(model: &str) -> Result<(), ApiError> {
    let Some(code) = model.strip_prefix("force-") else {
        return Ok(());
    };
    match code.parse::<u16>().ok().filter(|c| (400..=599).contains(c)) {
        Some(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = match code {
                429 => format!("Rate limit reached for {model}: 3 requests per minute. Please try again in 1s."),
                529 => "Overloaded".to_owned(),
                _ => format!("forced {code} for model {model}"),
            };
            Err(ApiError::new(status, message))
        }
        None => Err(ApiError::bad_request(format!(
            "`{model}`: a forced failure names an HTTP status from 400 to 599, e.g. `force-429`"
        ))),
    }
}

fn openai_chat(state: &State, id_seed: u64, req: &ChatRequest) -> Result<Value, ApiError> {
    forced_error(&req.model)?;
    if req.model.is_empty() {
        return Err(ApiError::bad_request("`model` must not be empty"));
    }
    if req.messages.is_empty() {
        return Err(ApiError::bad_request("`messages` must not be empty"));
    }
    let choices = req.n.unwrap_or(1);
    if !(1..=128).contains(&choices) {
        return Err(ApiError::bad_request("`n` must be between 1 and 128"));
    }

    let model = dated_openai_model(&req.model);
    let prompt_tokens = 3 + req
        .messages
        .iter()
        .map(|m| 3 + message_tokens(m))
        .sum::<u64>();

    // The leading system/developer messages are the cacheable prefix.
    let prefix: Vec<&ChatMessage> = req
        .messages
        .iter()
        .take_while(|m| m.role == "system" || m.role == "developer")
        .collect();
    let prefix_tokens: u64 = prefix.iter().map(|m| 3 + message_tokens(m)).sum();
    let cached_tokens = if prefix_tokens > 0 {
        let text: String = prefix.iter().filter_map(|m| m.text()).collect();
        let key = fnv1a(&[b"openai", req.model.as_bytes(), text.as_bytes()]);
        if state.cache_hit(key) {
            prefix_tokens
        } else {
            0
        }
    } else {
        0
    };

    let limit = req.max_completion_tokens.or(req.max_tokens);
    let reasoning = if is_reasoning_model(&req.model) {
        64 * (1 + prompt_tokens / 16)
    } else {
        0
    };
    let question = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .and_then(openai_text)
        .unwrap_or_default();

    let mut completion_tokens = 0;
    let mut reasoning_tokens = 0;
    let mut out = Vec::new();
    for index in 0..choices {
        let mut text = reply_text(&model, &question);
        if index > 0 {
            let _ = write!(text, " (alternative {})", index + 1);
        }
        let (text, used_reasoning, used_visible, truncated) = fit(text, reasoning, limit);
        completion_tokens += used_reasoning + used_visible;
        reasoning_tokens += used_reasoning;
        out.push(json!({
            "index": index,
            "message": {"role": "assistant", "content": text, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": if truncated { "length" } else { "stop" },
        }));
    }

    Ok(json!({
        "id": format!("chatcmpl-mock{id_seed:016x}"),
        "object": "chat.completion",
        "created": unix_seconds(),
        "model": model,
        "choices": out,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        },
        "service_tier": "default",
        "system_fingerprint": format!("fp_mock{:08x}", fnv1a(&[model.as_bytes()]) >> 32),
    }))
}

fn anthropic_messages(
    state: &State,
    id_seed: u64,
    req: &MessagesRequest,
) -> Result<Value, ApiError> {
    forced_error(&req.model)?;
    if req.model.is_empty() {
        return Err(ApiError::bad_request("model: Field required"));
    }
    if req.messages.is_empty() {
        return Err(ApiError::bad_request(
            "messages: at least one message is required",
        ));
    }
    if req.max_tokens == 0 {
        return Err(ApiError::bad_request(
            "max_tokens: must be greater than or equal to 1",
        ));
    }

    let model = dated_anthropic_model(&req.model);
    let system_blocks: Vec<&Value> = match &req.system {
        Some(Value::Array(blocks)) => blocks.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let system_tokens: u64 = system_blocks.iter().map(|b| value_tokens(b)).sum();
    let message_tokens: u64 = req
        .messages
        .iter()
        .map(|m| 4 + value_tokens(&m.content))
        .sum();
    let total_input = system_tokens + message_tokens + 3;

    // The system blocks up to the last one marked `cache_control` are cached.
    let cached_blocks = system_blocks
        .iter()
        .rposition(|b| b.get("cache_control").is_some())
        .map_or(0, |last| last + 1);
    let prefix_tokens: u64 = system_blocks[..cached_blocks]
        .iter()
        .map(|b| value_tokens(b))
        .sum();
    let (cache_read, cache_write) = if prefix_tokens > 0 {
        let prefix = serde_json::to_vec(&system_blocks[..cached_blocks]).unwrap_or_default();
        let key = fnv1a(&[b"anthropic", req.model.as_bytes(), &prefix]);
        if state.cache_hit(key) {
            (prefix_tokens, 0)
        } else {
            (0, prefix_tokens)
        }
    } else {
        (0, 0)
    };

    let question = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map(|m| value_text(&m.content))
        .unwrap_or_default();
    let (text, _, output_tokens, truncated) =
        fit(reply_text(&model, &question), 0, Some(req.max_tokens));

    Ok(json!({
        "id": format!("msg_mock{id_seed:016x}"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": if truncated { "max_tokens" } else { "end_turn" },
        "stop_sequence": null,
        "usage": {
            // Anthropic's `input_tokens` excludes cache reads and writes.
            "input_tokens": total_input.saturating_sub(cache_read + cache_write),
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
            "cache_creation": {"ephemeral_5m_input_tokens": cache_write, "ephemeral_1h_input_tokens": 0},
            "output_tokens": output_tokens,
            "service_tier": "standard"
        }
    }))
}

/// Cuts a reply to an output limit that reasoning tokens count against.
/// Returns the text, the reasoning and visible tokens spent, and whether the
/// limit cut it short.
fn fit(text: String, reasoning: u64, limit: Option<u64>) -> (String, u64, u64, bool) {
    let visible = tokens(&text);
    let Some(limit) = limit else {
        return (text, reasoning, visible, false);
    };
    let reasoning_used = reasoning.min(limit);
    let budget = limit - reasoning_used;
    if visible <= budget {
        return (text, reasoning_used, visible, false);
    }
    let chars = usize::try_from(budget.saturating_mul(4)).unwrap_or(usize::MAX);
    let cut: String = text.chars().take(chars).collect();
    let visible = tokens(&cut);
    (cut, reasoning_used, visible, true)
}

fn reply_text(model: &str, question: &str) -> String {
    const SNIPPET_CHARS: usize = 60;
    // One line, however the question was laid out.
    let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut snippet: String = question.chars().take(SNIPPET_CHARS).collect();
    if question.chars().count() > SNIPPET_CHARS {
        snippet.push('…');
    }
    format!("Mock reply from {model} to \"{snippet}\".")
}

/// About four characters a token, like the usual rule of thumb.
fn tokens(text: &str) -> u64 {
    u64::try_from(text.chars().count().div_ceil(4)).unwrap_or(u64::MAX)
}

fn message_tokens(message: &ChatMessage) -> u64 {
    match &message.content {
        Some(Content::Text(text)) => tokens(text),
        Some(Content::Parts(parts)) => parts.iter().map(value_tokens).sum(),
        None => 0,
    }
}

fn openai_text(message: &ChatMessage) -> Option<String> {
    match &message.content {
        Some(Content::Text(text)) => Some(text.clone()),
        Some(Content::Parts(parts)) => Some(parts.iter().map(value_text).collect()),
        None => None,
    }
}

/// Tokens of a content value: text, content blocks, or anything else by its
/// JSON size (images, tool input, ...).
fn value_tokens(value: &Value) -> u64 {
    match value {
        Value::String(text) => tokens(text),
        Value::Array(items) => items.iter().map(value_tokens).sum(),
        Value::Object(block) => match (block.get("text"), block.get("content")) {
            (Some(Value::String(text)), _) => tokens(text),
            (_, Some(content)) => value_tokens(content),
            _ => tokens(&value.to_string()),
        },
        other => tokens(&other.to_string()),
    }
}

/// The text of a content value, blocks concatenated.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(value_text).collect(),
        Value::Object(block) => match block.get("text") {
            Some(Value::String(text)) => text.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn is_reasoning_model(model: &str) -> bool {
    ["o1", "o3", "o4", "gpt-5"]
        .iter()
        .any(|family| model == *family || model.starts_with(&format!("{family}-")))
}

/// `gpt-4o-mini` → `gpt-4o-mini-2024-07-18`; models already dated are kept.
fn dated_openai_model(model: &str) -> String {
    let bytes = model.as_bytes();
    let dated = bytes.len() > 11 && {
        let tail = &bytes[bytes.len() - 11..];
        tail[0] == b'-'
            && tail[5] == b'-'
            && tail[8] == b'-'
            && [1, 2, 3, 4, 6, 7, 9, 10]
                .iter()
                .all(|&i| tail[i].is_ascii_digit())
    };
    if dated {
        return model.to_owned();
    }
    let date = match model {
        "gpt-4o-mini" => "2024-07-18",
        "gpt-4o" => "2024-08-06",
        "gpt-4.1" | "gpt-4.1-mini" | "gpt-4.1-nano" => "2025-04-14",
        "o3" | "o4-mini" => "2025-04-16",
        "gpt-5" | "gpt-5-mini" | "gpt-5-nano" => "2025-08-07",
        _ => "2025-01-01",
    };
    format!("{model}-{date}")
}

/// `claude-sonnet-4-5` → `claude-sonnet-4-5-20250929`; `-latest` aliases
/// resolve too; models already dated are kept.
fn dated_anthropic_model(model: &str) -> String {
    let bytes = model.as_bytes();
    let dated = bytes.len() > 9 && {
        let tail = &bytes[bytes.len() - 9..];
        tail[0] == b'-' && tail[1..].iter().all(u8::is_ascii_digit)
    };
    if dated {
        return model.to_owned();
    }
    let base = model.strip_suffix("-latest").unwrap_or(model);
    let date = match base {
        "claude-sonnet-4-5" => "20250929",
        "claude-haiku-4-5" => "20251001",
        "claude-opus-4-1" => "20250805",
        "claude-sonnet-4" | "claude-opus-4" => "20250514",
        "claude-3-5-haiku" => "20241022",
        _ => "20250101",
    };
    format!("{base}-{date}")
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// FNV-1a: stable across runs and platforms, unlike `std`'s `RandomState`.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Separates the parts, so ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A typed client for the two APIs the mock serves (and, given the right
/// base URL and credentials, for anything wire-compatible with them).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    /// A client for the server at `base_url` (`http://127.0.0.1:PORT`).
    ///
    /// Proxies are never used: the mock lives on loopback, and a proxy from
    /// the environment would only get in the way.
    pub fn new(base_url: impl Into<String>) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(ClientError::Transport)?;
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Ok(Client { http, base_url })
    }

    /// The base URL calls go to; pass it as `server = client.base_url()` so
    /// spans carry the real `server.address` and `server.port`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST /v1/chat/completions`.
    pub async fn openai_chat(&self, request: &ChatRequest) -> Result<ChatCompletion, ClientError> {
        self.post(OPENAI_CHAT_PATH, request, &[]).await
    }

    /// `POST /v1/messages`.
    pub async fn anthropic_messages(
        &self,
        request: &MessagesRequest,
    ) -> Result<MessagesResponse, ClientError> {
        self.post(
            ANTHROPIC_MESSAGES_PATH,
            request,
            &[("anthropic-version", "2023-06-01")],
        )
        .await
    }

    async fn post<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        path: &str,
        request: &Req,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Resp, ClientError> {
        let mut builder = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(request);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = builder.send().await.map_err(ClientError::Transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(ClientError::Transport)?;
        if !status.is_success() {
            let (kind, message) = error_details(&body);
            return Err(ClientError::Api {
                status: status.as_u16(),
                kind,
                message,
            });
        }
        serde_json::from_slice(&body).map_err(ClientError::Decode)
    }
}

/// The error kind and message of an OpenAI or Anthropic error body.
fn error_details(body: &[u8]) -> (Option<String>, String) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // OpenAI's `code` is the more specific of its two names.
    let kind = field("code").or_else(|| field("type"));
    let message = field("message")
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    (kind, message)
}

/// Why a [`Client`] call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error status.
    Api {
        /// HTTP status code.
        status: u16,
        /// The provider's error code or type (`rate_limit_exceeded`,
        /// `rate_limit_error`, ...), when the body names one.
        kind: Option<String>,
        /// The provider's error message.
        message: String,
    },
    /// The request did not get an answer (connection refused, timeout, ...).
    Transport(reqwest::Error),
    /// The answer was not the expected JSON.
    Decode(serde_json::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Api {
                status,
                kind: Some(kind),
                message,
            } => write!(f, "HTTP {status} ({kind}): {message}"),
            ClientError::Api {
                status,
                kind: None,
                message,
            } => write!(f, "HTTP {status}: {message}"),
            ClientError::Transport(e) => write!(f, "transport error: {e}"),
            ClientError::Decode(e) => write!(f, "could not decode the response: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Api { .. } => None,
            ClientError::Transport(e) => Some(e),
            ClientError::Decode(e) => Some(e),
        }
    }
}

impl llm_trace::ErrorType for ClientError {
    /// `http_<status>`, `transport` or `decode`: low-cardinality, as
    /// `error.type` should be.
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ClientError::Api { status, .. } => match status {
                400 => Cow::Borrowed("http_400"),
                401 => Cow::Borrowed("http_401"),
                429 => Cow::Borrowed("http_429"),
                500 => Cow::Borrowed("http_500"),
                529 => Cow::Borrowed("http_529"),
                other => Cow::Owned(format!("http_{other}")),
            },
            ClientError::Transport(_) => Cow::Borrowed("transport"),
            ClientError::Decode(_) => Cow::Borrowed("decode"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llm_trace::provider::anthropic::Message;
    use llm_trace::provider::{ResponseFacts, Usage};
    use llm_trace::ErrorType;

    fn usage<P: llm_trace::provider::Provider>(r: &impl ResponseFacts<P>) -> Usage {
        r.usage().unwrap_or_default()
    }

    #[tokio::test]
    async fn openai_echoes_model_counts_choices_and_caches_the_system_prefix() {
        let server = MockServer::start().await.unwrap();
        let client = Client::new(server.base_url()).unwrap();
        let mut req = ChatRequest::new(
            "gpt-4o-mini",
            vec![
                ChatMessage::system("You are terse."),
                ChatMessage::user("Say hi"),
            ],
        );
        req.n = Some(2);

        let first = client.openai_chat(&req).await.unwrap();
        assert_eq!(first.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(first.choices.len(), 2);
        assert!(first.id.starts_with("chatcmpl-mock"));
        let u = usage::<llm_trace::provider::OpenAi>(&first);
        // 3 priming + (3 + 4) system + (3 + 2) user.
        assert_eq!(u.input_tokens, Some(15));
        assert_eq!(u.cache_read_input_tokens, Some(0));
        assert_eq!(u.reasoning_output_tokens, Some(0));

        let second = client.openai_chat(&req).await.unwrap();
        assert_ne!(first.id, second.id);
        let u = usage::<llm_trace::provider::OpenAi>(&second);
        assert_eq!(u.cache_read_input_tokens, Some(7));
        assert_eq!(server.request_count(), 2);
    }

    #[tokio::test]
    async fn openai_reasoning_models_report_reasoning_within_the_limit() {
        let server = MockServer::start().await.unwrap();
        let client = Client::new(server.base_url()).unwrap();
        let mut req = ChatRequest::new("o4-mini", vec![ChatMessage::user("Plan it")]);
        req.max_completion_tokens = Some(70);
        let reply = client.openai_chat(&req).await.unwrap();
        let usage = reply.usage.unwrap();
        let reasoning = usage.completion_tokens_details.unwrap().reasoning_tokens;
        assert_eq!(reasoning, Some(64));
        assert_eq!(usage.completion_tokens, 70);
        assert_eq!(reply.choices[0].finish_reason.as_deref(), Some("length"));
    }

    #[tokio::test]
    async fn anthropic_writes_then_reads_the_marked_system_prefix() {
        let server = MockServer::start().await.unwrap();
        let client = Client::new(server.base_url()).unwrap();
        let mut req = MessagesRequest::new("claude-sonnet-4-5", 256, vec![Message::user("Hello")]);
        req.system = Some(json!([
            {"type": "text", "text": "A long and stable policy text.", "cache_control": {"type": "ephemeral"}}
        ]));

        let first = client.anthropic_messages(&req).await.unwrap();
        assert_eq!(first.model, "claude-sonnet-4-5-20250929");
        assert_eq!(first.stop_reason.as_deref(), Some("end_turn"));
        let u = first.usage.unwrap();
        assert_eq!(
            (u.cache_creation_input_tokens, u.cache_read_input_tokens),
            (Some(8), Some(0))
        );

        let second = client.anthropic_messages(&req).await.unwrap();
        let u = second.usage.unwrap();
        assert_eq!(
            (u.cache_creation_input_tokens, u.cache_read_input_tokens),
            (Some(0), Some(8))
        );
        // Normalized: input includes the cache read.
        let normalized = usage::<llm_trace::provider::Anthropic>(&second);
        assert_eq!(normalized.input_tokens, Some(u.input_tokens + 8));
    }

    #[tokio::test]
    async fn forced_statuses_and_malformed_bodies_are_errors_not_panics() {
        let server = MockServer::start().await.unwrap();
        let client = Client::new(server.base_url()).unwrap();

        let err = client
            .openai_chat(&ChatRequest::new("force-429", vec![ChatMessage::user("x")]))
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "http_429");
        assert!(err
            .to_string()
            .starts_with("HTTP 429 (rate_limit_exceeded): Rate limit reached"));

        let err = client
            .anthropic_messages(&MessagesRequest::new(
                "force-529",
                10,
                vec![Message::user("x")],
            ))
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "http_529");
        assert!(err.to_string().contains("overloaded_error"));

        let raw = reqwest::Client::builder().no_proxy().build().unwrap();
        for (path, body) in [
            (OPENAI_CHAT_PATH, "{not json"),
            (ANTHROPIC_MESSAGES_PATH, r#"{"model": "claude-haiku-4-5"}"#),
            (
                OPENAI_CHAT_PATH,
                r#"{"model": "force-abc", "messages": []}"#,
            ),
        ] {
            let response = raw
                .post(format!("{}{path}", server.base_url()))
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{path} {body}");
            let json: Value = response.json().await.unwrap();
            assert!(json["error"]["message"].is_string(), "{json}");
        }
        let response = raw
            .get(format!("{}/v1/models", server.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let server = MockServer::start().await.unwrap();
        let client = Client::new(server.base_url()).unwrap();
        drop(server);
        tokio::task::yield_now().await;
        let err = client
            .openai_chat(&ChatRequest::new("gpt-4o", vec![ChatMessage::user("x")]))
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "transport");
    }

    #[test]
    fn model_dates() {
        assert_eq!(dated_openai_model("gpt-4o-mini"), "gpt-4o-mini-2024-07-18");
        assert_eq!(dated_openai_model("gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
        assert_eq!(
            dated_anthropic_model("claude-3-5-haiku-latest"),
            "claude-3-5-haiku-20241022"
        );
        assert_eq!(
            dated_anthropic_model("claude-opus-4-1-20250805"),
            "claude-opus-4-1-20250805"
        );
    }
}
