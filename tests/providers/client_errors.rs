//! `error.type` of the client crates' own errors (llm-trace's `reqwest`,
//! `async-openai-client`, `genai`, `claudius` and `anyhow` features): a
//! status code, `timeout`, or the provider's error code, never a type path.
//!
//! reqwest's errors are real ones, from calls to the loopback mock server
//! (and to a listener that never answers, and a port nobody listens on); the
//! client crates' errors are built as their clients build them.

use std::error::Error;
use std::time::Duration;

use llm_trace::llm_call;
use llm_trace_testkit::capture::{attributes, Capture};
use llm_trace_testkit::mock::{MockServer, OPENAI_CHAT_PATH};
use opentelemetry::Value;
use serde_json::json;

fn http(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a loopback client")
}

async fn post(http: &reqwest::Client, url: &str) -> Result<serde_json::Value, reqwest::Error> {
    let body = json!({"model": "force-429", "messages": [{"role": "user", "content": "hi"}]});
    http.post(url)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[llm_call(provider = "openai", model = "force-429")]
async fn chat(http: &reqwest::Client, url: &str) -> Result<serde_json::Value, reqwest::Error> {
    post(http, url).await
}

#[llm_call(provider = "openai", model = "force-429")]
async fn boxed_chat(
    http: &reqwest::Client,
    url: &str,
) -> Result<serde_json::Value, Box<dyn Error + Send + Sync>> {
    Ok(post(http, url).await?)
}

#[llm_call(provider = "openai", model = "force-429")]
async fn anyhow_chat(http: &reqwest::Client, url: &str) -> anyhow::Result<serde_json::Value> {
    use anyhow::Context as _;
    post(http, url).await.context("asking the model")
}

fn error_type(cap: &Capture) -> Value {
    let spans = cap.spans();
    assert_eq!(spans.len(), 1);
    attributes(&spans[0])["error.type"].clone()
}

#[tokio::test]
async fn a_429_from_reqwest_is_429_bare_boxed_or_in_anyhow() {
    let server = MockServer::start().await.unwrap();
    let url = format!("{}{OPENAI_CHAT_PATH}", server.base_url());
    let http = http(Duration::from_secs(30));

    let cap = Capture::new();
    let err = cap.run(chat(&http, &url)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error_type(&cap), Value::from("429"));

    let cap = Capture::new();
    cap.run(boxed_chat(&http, &url)).await.unwrap_err();
    assert_eq!(error_type(&cap), Value::from("429"));

    let cap = Capture::new();
    cap.run(anyhow_chat(&http, &url)).await.unwrap_err();
    assert_eq!(error_type(&cap), Value::from("429"));
}

#[tokio::test]
async fn a_request_nobody_answers_is_a_timeout() {
    // Accepts connections and never answers: the client's timeout is the
    // only way the call can end.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v1/chat/completions",
        listener.local_addr().unwrap()
    );
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let http = http(Duration::from_millis(50));

    let cap = Capture::new();
    let err = cap.run(chat(&http, &url)).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(error_type(&cap), Value::from("timeout"));

    let cap = Capture::new();
    cap.run(boxed_chat(&http, &url)).await.unwrap_err();
    assert_eq!(error_type(&cap), Value::from("timeout"));
    hold.abort();
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
    let http = http(Duration::from_secs(30));

    let cap = Capture::new();
    let err = cap.run(chat(&http, &url)).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(error_type(&cap), Value::from("connection_error"));

    let cap = Capture::new();
    cap.run(anyhow_chat(&http, &url)).await.unwrap_err();
    assert_eq!(error_type(&cap), Value::from("connection_error"));
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn unknown_boxed() -> Result<u8, Box<dyn Error + Send + Sync>> {
    Err("the model said no".into())
}

#[tokio::test]
async fn a_boxed_error_of_no_known_kind_is_other_not_its_type_path() {
    let cap = Capture::new();
    cap.run(unknown_boxed()).await.unwrap_err();
    assert_eq!(error_type(&cap), Value::from("_OTHER"));
}

mod async_openai_errors {
    use super::*;
    use async_openai::error::{ApiError, ApiErrorResponse, OpenAIError};

    fn api_error(status: u16, kind: Option<&str>, code: Option<&str>) -> OpenAIError {
        OpenAIError::ApiError(ApiErrorResponse {
            status_code: reqwest::StatusCode::from_u16(status).unwrap(),
            api_error: ApiError {
                message: "Rate limit reached for gpt-4o".into(),
                r#type: kind.map(Into::into),
                param: None,
                code: code.map(Into::into),
                misalignment: None,
            },
        })
    }

    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn fails(error: OpenAIError) -> Result<u8, OpenAIError> {
        Err(error)
    }

    async fn recorded(error: OpenAIError) -> Value {
        let cap = Capture::new();
        cap.run(fails(error)).await.unwrap_err();
        error_type(&cap)
    }

    #[tokio::test]
    async fn openai_errors_by_code_then_status() {
        // OpenAI's 429 body: {"type": "requests", "code": "rate_limit_exceeded"}.
        assert_eq!(
            recorded(api_error(
                429,
                Some("requests"),
                Some("rate_limit_exceeded")
            ))
            .await,
            Value::from("rate_limit_exceeded")
        );
        // A 500 names no code: its status.
        assert_eq!(
            recorded(api_error(500, Some("server_error"), None)).await,
            Value::from("500")
        );
        // A code that is not an identifier is not recorded.
        assert_eq!(
            recorded(api_error(503, None, Some("Service is down, try later"))).await,
            Value::from("503")
        );
        assert_eq!(
            recorded(OpenAIError::InvalidArgument("no model".into())).await,
            Value::from("invalid_argument")
        );
        let decode = serde_json::from_str::<u8>("x").unwrap_err();
        assert_eq!(
            recorded(OpenAIError::JSONDeserialize(decode, "x".into())).await,
            Value::from("decode_error")
        );
    }

    #[tokio::test]
    async fn a_transport_error_inside_openai_error_is_named_as_reqwest_names_it() {
        let server = MockServer::start().await.unwrap();
        let url = format!("{}{OPENAI_CHAT_PATH}", server.base_url());
        let reqwest_error = post(&http(Duration::from_secs(30)), &url)
            .await
            .unwrap_err();
        assert_eq!(
            recorded(OpenAIError::Reqwest(reqwest_error)).await,
            Value::from("429")
        );
    }
}

mod genai_errors {
    use super::*;
    use genai::adapter::AdapterKind;
    use genai::ModelIden;

    #[llm_call(provider = "openai", model = "gpt-4o")]
    async fn fails(error: genai::Error) -> Result<u8, genai::Error> {
        Err(error)
    }

    async fn recorded(error: genai::Error) -> Value {
        let cap = Capture::new();
        cap.run(fails(error)).await.unwrap_err();
        error_type(&cap)
    }

    #[tokio::test]
    async fn genai_errors_by_status() {
        let failed = genai::Error::WebModelCall {
            model_iden: ModelIden::new(AdapterKind::OpenAI, "gpt-4o"),
            webc_error: genai::webc::Error::ResponseFailedStatus {
                status: reqwest::StatusCode::TOO_MANY_REQUESTS,
                body: r#"{"error": {"code": "rate_limit_exceeded"}}"#.into(),
                headers: Box::default(),
            },
        };
        assert_eq!(recorded(failed).await, Value::from("429"));
        let http = genai::Error::HttpError {
            status: reqwest::StatusCode::INTERNAL_SERVER_ERROR,
            canonical_reason: "Internal Server Error".into(),
            body: String::new(),
            headers: Box::default(),
        };
        assert_eq!(recorded(http).await, Value::from("500"));
        let no_key = genai::Error::RequiresApiKey {
            model_iden: ModelIden::new(AdapterKind::Anthropic, "claude-haiku-4-5"),
        };
        assert_eq!(recorded(no_key).await, Value::from("authentication_error"));
    }

    #[tokio::test]
    async fn a_transport_error_inside_genai_is_named_as_reqwest_names_it() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
        let refused = post(&http(Duration::from_secs(30)), &url)
            .await
            .unwrap_err();
        let failed = genai::Error::WebModelCall {
            model_iden: ModelIden::new(AdapterKind::OpenAI, "gpt-4o"),
            webc_error: genai::webc::Error::Reqwest(refused),
        };
        assert_eq!(recorded(failed).await, Value::from("connection_error"));
    }
}

mod claudius_errors {
    use super::*;

    #[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
    async fn fails(error: claudius::Error) -> Result<u8, claudius::Error> {
        Err(error)
    }

    async fn recorded(error: claudius::Error) -> Value {
        let cap = Capture::new();
        cap.run(fails(error)).await.unwrap_err();
        error_type(&cap)
    }

    #[tokio::test]
    async fn claudius_errors_by_anthropic_error_type() {
        // claudius folds 429 and 529 into `RateLimit`.
        assert_eq!(
            recorded(claudius::Error::rate_limit(
                "Number of requests exceeded",
                Some(20)
            ))
            .await,
            Value::from("rate_limit_error")
        );
        assert_eq!(
            recorded(claudius::Error::authentication("invalid x-api-key")).await,
            Value::from("authentication_error")
        );
        assert_eq!(
            recorded(claudius::Error::timeout("timed out", Some(600.0))).await,
            Value::from("timeout")
        );
        // Other statuses keep the body's error type, else the status.
        assert_eq!(
            recorded(claudius::Error::api(
                413,
                Some("request_too_large".into()),
                "Request exceeds the maximum allowed number of bytes".into(),
                None
            ))
            .await,
            Value::from("request_too_large")
        );
        assert_eq!(
            recorded(claudius::Error::api(418, None, "teapot".into(), None)).await,
            Value::from("418")
        );
    }
}
