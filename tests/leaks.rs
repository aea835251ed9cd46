//! Nothing leaks: API keys, `Authorization` and the other credential headers
//! of the instrumented calls, credentials in URLs, and baggage from outside
//! that is not allowed never appear in any exported byte — the embedded
//! default's files, and every OTLP request a real receiver decodes.
//!
//! Every secret below is sent where an application really puts it: request
//! headers of real HTTP calls to the mock LLM server, the request body, the
//! `server` URL, the URL of a failing call, the incoming `baggage` header.
//! Then every exported byte is scanned for each of them.
//!
//! [`Run`] says how telemetry is configured: the default here; a variant
//! with prompt capture on adds its variables and sets `prompts_exported`.

use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use llm_trace::llm_call;
use llm_trace::opentelemetry::context::FutureExt;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_testkit::mock::MockServer;
use llm_trace_testkit::receiver::Receiver;
use prost::Message as _;
use serde_json::{json, Value};

/// `init` installs global providers: the tests of this binary take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const OPENAI_KEY: &str = "sk-proj-LEAKCHECK0openai0key";
const ANTHROPIC_KEY: &str = "sk-ant-api03-LEAKCHECK0anthropic";
const AZURE_KEY: &str = "LEAKCHECK0azure0api0key";
const GEMINI_KEY: &str = "AIzaLEAKCHECK0gemini0key";
/// base64 of `proxyuser:LEAKCHECK0proxy`.
const PROXY_BASIC: &str = "cHJveHl1c2VyOkxFQUtDSEVDSzBwcm94eQ==";
const COOKIE: &str = "LEAKCHECK0session0cookie";
const URL_PASSWORD: &str = "LEAKCHECK0url0password";
const BODY_KEY: &str = "LEAKCHECK0body0api0key";
const BAGGAGE_TOKEN: &str = "LEAKCHECK0baggage0token";
const OTLP_TOKEN: &str = "LEAKCHECK0otlp0token";

/// Every credential the calls carry.
const SECRETS: &[&str] = &[
    OPENAI_KEY,
    ANTHROPIC_KEY,
    AZURE_KEY,
    GEMINI_KEY,
    PROXY_BASIC,
    COOKIE,
    URL_PASSWORD,
    BODY_KEY,
    BAGGAGE_TOKEN,
];

/// Text of the prompts: exported only when prompt capture is on.
const PROMPT: &str = "LEAKCHECK0PROMPT the launch code is in the drawer";

#[derive(Debug)]
struct CallError(String);

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<reqwest::Error> for CallError {
    fn from(e: reqwest::Error) -> Self {
        CallError(e.to_string())
    }
}

fn credential_headers(authorization: (&'static str, String)) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let (name, value) = authorization;
    headers.insert(name, HeaderValue::from_str(&value).unwrap());
    headers.insert(
        "proxy-authorization",
        HeaderValue::from_str(&format!("Basic {PROXY_BASIC}")).unwrap(),
    );
    headers.insert(
        "cookie",
        HeaderValue::from_str(&format!("session={COOKIE}")).unwrap(),
    );
    headers.insert("api-key", HeaderValue::from_static(AZURE_KEY));
    headers
}

/// An OpenAI call as a client library makes it: the key in `Authorization`,
/// the request in the body, the base URL (with credentials, as some proxies
/// take them) as `server`.
#[llm_call(provider = "openai", server = server, request = req, fields(user.id = user_id))]
async fn openai_chat(
    http: &reqwest::Client,
    server: &str,
    url: &str,
    req: ChatRequest,
    user_id: u64,
) -> Result<ChatCompletion, CallError> {
    let headers = credential_headers(("authorization", format!("Bearer {OPENAI_KEY}")));
    Ok(http
        .post(url)
        .headers(headers)
        .json(&req)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// An Anthropic call: the key in `x-api-key`.
#[llm_call(provider = "anthropic", server = server, request = req)]
async fn anthropic_messages(
    http: &reqwest::Client,
    server: &str,
    req: MessagesRequest,
) -> Result<MessagesResponse, CallError> {
    let headers = credential_headers(("x-api-key", ANTHROPIC_KEY.to_owned()));
    Ok(http
        .post(format!("{server}/v1/messages"))
        .headers(headers)
        .header("anthropic-version", "2023-06-01")
        .json(&req)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// A Gemini call with the key in the URL (`?key=`, as the API allows) that
/// fails: the error message is recorded, the key must not be.
#[llm_call(provider = "gcp.gemini", server = server, request = req)]
async fn gemini_generate(
    http: &reqwest::Client,
    server: &str,
    req: Value,
) -> Result<Value, CallError> {
    let url = format!(
        "{server}/v1beta/models/gemini-2.5-flash:generateContent?key={GEMINI_KEY}&alt=json"
    );
    Ok(http.post(url).json(&req).send().await?.json().await?)
}

/// The instrumented calls, under the context of an incoming request whose
/// `baggage` header carries credentials next to an allowed `tenant`.
async fn make_calls(mock: &MockServer, closed_port: u16) {
    llm_trace::metadata::allow_baggage_keys(["tenant"]);
    let mut incoming = HeaderMap::new();
    incoming.insert(
        "traceparent",
        HeaderValue::from_static("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    );
    incoming.insert(
        "baggage",
        HeaderValue::from_str(&format!(
            "tenant=acme,authorization=Bearer%20{BAGGAGE_TOKEN},api_key={BAGGAGE_TOKEN},x-api-key={BAGGAGE_TOKEN}"
        ))
        .unwrap(),
    );
    let cx = llm_trace::propagation::extract(&incoming);

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = mock.base_url();
    let server = base.replacen("http://", &format!("http://proxyuser:{URL_PASSWORD}@"), 1);
    async {
        let mut req = ChatRequest::new(
            "gpt-4o-mini",
            vec![
                ChatMessage::system("You are terse."),
                ChatMessage::user(PROMPT),
            ],
        );
        req.extra.insert("api_key".into(), json!(BODY_KEY));
        req.extra.insert("user".into(), json!("user-42"));
        let reply = openai_chat(
            &http,
            &format!("{server}/v1?api-key={URL_PASSWORD}"),
            &format!("{base}/v1/chat/completions"),
            req,
            42,
        )
        .await
        .expect("the mock answers");
        assert_eq!(reply.model, "gpt-4o-mini-2024-07-18");

        let mut req = MessagesRequest::new("claude-haiku-4-5", 64, vec![Message::user(PROMPT)]);
        req.system = Some(json!(format!("Use key {BODY_KEY} for tools.")));
        anthropic_messages(&http, &base, req)
            .await
            .expect("the mock answers");

        let req = json!({"contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
                         "generationConfig": {"temperature": 0.5}});
        let err = gemini_generate(&http, &format!("http://127.0.0.1:{closed_port}"), req)
            .await
            .expect_err("nothing listens there");
        assert!(err.0.contains("error sending request"), "{err}");
    }
    .with_context(cx)
    .await;
}

/// How telemetry is configured for one run.
struct Run {
    /// Extra `OTEL_*` / `LLM_TRACE_*` variables.
    vars: Vec<(&'static str, String)>,
    /// Whether the prompts' text may appear (prompt capture on).
    prompts_exported: bool,
}

impl Run {
    fn default_settings() -> Run {
        Run {
            vars: Vec::new(),
            prompts_exported: false,
        }
    }

    fn builder(&self, more: &[(&'static str, String)]) -> llm_trace::export::Builder {
        llm_trace::builder().env_vars(
            self.vars
                .iter()
                .chain(more)
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>(),
        )
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Every byte the embedded default writes: both files.
async fn jsonl_bytes(run: &Run) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("llm-trace-leaks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path: PathBuf = dir.join("calls.jsonl");
    let telemetry = run
        .builder(&[("OTEL_SERVICE_NAME", "leak-check".into())])
        .file(&path)
        .init()
        .expect("init");
    let mock = MockServer::start().await.unwrap();
    make_calls(&mock, closed_port()).await;
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .unwrap()
        .expect("shutdown");
    let mut bytes = std::fs::read(&path).expect("the traces file");
    bytes.extend(std::fs::read(llm_trace::export::jsonl::metrics_path(&path)).expect("metrics"));
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Every byte of every OTLP request a real receiver decoded (re-encoded as
/// protobuf, as it came), and the request headers it saw.
async fn otlp_bytes(run: &Run, protocol: &str) -> (Vec<u8>, Vec<(String, String)>) {
    let receiver = Receiver::start().await.unwrap();
    let endpoint = match protocol {
        "grpc" => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    let telemetry = run
        .builder(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.into()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                format!("authorization=Bearer%20{OTLP_TOKEN}"),
            ),
        ])
        .init()
        .expect("init");
    let mock = MockServer::start().await.unwrap();
    make_calls(&mock, closed_port()).await;
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .unwrap()
        .expect("shutdown");
    receiver.wait_for_spans(3, Duration::from_secs(10)).await;
    let mut bytes = Vec::new();
    for (_, request) in receiver.trace_requests() {
        bytes.extend(request.encode_to_vec());
    }
    for (_, request) in receiver.metrics_requests() {
        bytes.extend(request.encode_to_vec());
    }
    let headers = receiver
        .requests()
        .into_iter()
        .flat_map(|r| r.headers)
        .collect();
    (bytes, headers)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// No secret anywhere in `bytes`; and the bytes are the calls' spans (so
/// an empty export cannot pass).
fn assert_clean(run: &Run, bytes: &[u8], sink: &str) {
    for marker in [
        "chat gpt-4o-mini",
        "chat claude-haiku-4-5",
        "user.id",
        "acme",
    ] {
        assert!(
            contains(bytes, marker),
            "{sink}: {marker:?} was not exported"
        );
    }
    for secret in SECRETS {
        assert!(
            !contains(bytes, secret),
            "{sink}: secret {secret:?} exported:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    if run.prompts_exported {
        assert!(
            contains(bytes, "LEAKCHECK0PROMPT"),
            "{sink}: capture was on, yet no prompt was exported"
        );
    } else {
        assert!(
            !contains(bytes, "LEAKCHECK0PROMPT"),
            "{sink}: prompt text exported with capture off"
        );
    }
}

async fn no_secret_reaches_any_sink(run: Run) {
    let _turn = TURN.lock().await;
    // `init` keeps the capture mode it read for the whole process: each run
    // starts from the default.
    llm_trace::content::set_capture_mode(llm_trace::content::CaptureMode::NoContent);
    let bytes = jsonl_bytes(&run).await;
    assert_clean(&run, &bytes, "embedded default files");
    for protocol in ["http/protobuf", "grpc"] {
        let (bytes, headers) = otlp_bytes(&run, protocol).await;
        assert_clean(&run, &bytes, protocol);
        // The collector's own token goes where it belongs, only there.
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "authorization" && v.contains(OTLP_TOKEN)),
            "{protocol}: {headers:?}"
        );
        assert!(
            !contains(&bytes, OTLP_TOKEN),
            "{protocol}: OTLP token in the payload"
        );
        let sent: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        for secret in SECRETS {
            assert!(
                !sent.contains(secret),
                "{protocol}: {secret} in a request header"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_is_exported_with_default_settings() {
    no_secret_reaches_any_sink(Run::default_settings()).await;
}

/// Content capture on (span and event): the prompts are exported, the
/// credentials in headers, URLs and errors still are not; a key the
/// application wrote into its own prompt is content, which the redaction
/// hook keeps out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_is_exported_with_content_capture_on() {
    llm_trace::content::set_redactor(|_kind, value| {
        llm_trace::content::for_each_string(value, |text| {
            if text.contains("LEAKCHECK0body0api0key") {
                *text = text.replace("LEAKCHECK0body0api0key", "[REDACTED]");
            }
        });
    });
    no_secret_reaches_any_sink(Run {
        vars: vec![(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "SPAN_AND_EVENT".to_owned(),
        )],
        prompts_exported: true,
    })
    .await;
    llm_trace::content::set_capture_mode(llm_trace::content::CaptureMode::NoContent);
    llm_trace::content::clear_redactor();
}

/// The allowed baggage key becomes an attribute; the others, credentials
/// among them, do not, and neither does the prompt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_baggage_becomes_attributes() {
    let _turn = TURN.lock().await;
    let bytes = jsonl_bytes(&Run::default_settings()).await;
    let text = String::from_utf8(bytes).unwrap();
    let mut keys = Vec::new();
    for line in text.lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        for span in line["resourceSpans"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|rs| rs["scopeSpans"].as_array().unwrap())
            .flat_map(|ss| ss["spans"].as_array().unwrap())
        {
            for attr in span["attributes"].as_array().unwrap() {
                keys.push(attr["key"].as_str().unwrap().to_owned());
            }
            let tenant = span["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == "tenant");
            assert_eq!(
                tenant.map(|a| &a["value"]["stringValue"]),
                Some(&json!("acme")),
                "{span}"
            );
        }
    }
    for forbidden in ["authorization", "api_key", "x-api-key"] {
        assert!(
            !keys.iter().any(|k| k == forbidden),
            "{forbidden} became an attribute"
        );
    }
}

/// The exporter's own credentials (`OTEL_EXPORTER_OTLP_HEADERS`) stay out
/// of `Debug` output and of configuration errors.
#[test]
fn exporter_credentials_stay_out_of_debug_output_and_errors() {
    let headers = format!("authorization=Bearer%20{OTLP_TOKEN},x-api-key={OTLP_TOKEN}");
    let builder = llm_trace::builder().env_vars([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("OTEL_EXPORTER_OTLP_HEADERS", headers.as_str()),
    ]);
    let debug = format!("{builder:?}");
    assert!(!debug.contains(OTLP_TOKEN), "{debug}");
    let builder = llm_trace::builder()
        .header("authorization", format!("Bearer {OTLP_TOKEN}"))
        .without_global_install();
    assert!(!format!("{builder:?}").contains(OTLP_TOKEN));

    for broken in [
        format!("authorization=Bearer%20{OTLP_TOKEN},oops"),
        format!("={OTLP_TOKEN}"),
    ] {
        let err = llm_trace::builder()
            .env_vars([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
                ("OTEL_EXPORTER_OTLP_HEADERS", broken.as_str()),
            ])
            .without_global_install()
            .init()
            .expect_err("malformed headers");
        let message = format!("{err} {err:?}");
        assert!(message.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{message}");
        assert!(!message.contains(OTLP_TOKEN), "{message}");
    }
}
