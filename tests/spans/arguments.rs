//! Arguments as real code writes them: keys near an argument's name taken
//! as metadata on purpose, a `url::Url` server, a `&mut` request, constants
//! as metadata, and the qualified path of methods.

use llm_trace::provider::openai::{ChatCompletion, ChatRequest};
use llm_trace::{llm_call, workflow};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::Value;

#[derive(Debug)]
pub struct ApiError;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

// `modle`, `sever` and `operaton` unquoted are misspellings (compile
// errors, tests/ui/misspelled_argument.rs); quoted, raw or in `fields`
// they are the keys written.
#[llm_call(provider = "openai", model = "gpt-4o", name = "escaped",
           "modle" = "kept", r#sever = "kept too", fields(operaton = 3))]
async fn escaped() -> u8 {
    1
}

#[tokio::test]
async fn quoted_raw_and_fields_keys_near_an_argument_are_recorded_as_written() {
    let cap = Capture::new();
    cap.run(escaped()).await;
    let attributes = attributes(&cap.span("escaped"));
    assert_eq!(attributes["modle"], Value::from("kept"));
    assert_eq!(attributes["sever"], Value::from("kept too"));
    assert_eq!(attributes["operaton"], Value::I64(3));
    assert_eq!(attributes["gen_ai.request.model"], Value::from("gpt-4o"));
}

const PROMPT: i64 = 7;

mod prompts {
    pub const SUMMARY: &str = "summary-v2";
}

// A constant is not a literal: it goes in `fields(...)`, as the error for
// `prompt_id = PROMPT` says (tests/ui/metadata_const.rs).
#[llm_call(provider = "openai", model = "gpt-4o", name = "constants",
           fields(prompt_id = PROMPT, template = prompts::SUMMARY))]
async fn constants() -> u8 {
    1
}

#[tokio::test]
async fn constants_are_recorded_through_fields() {
    let cap = Capture::new();
    cap.run(constants()).await;
    let attributes = attributes(&cap.span("constants"));
    assert_eq!(attributes["prompt_id"], Value::I64(7));
    assert_eq!(attributes["template"], Value::from("summary-v2"));
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "url_server", server = base_url)]
async fn url_server(base_url: reqwest::Url) -> u8 {
    let _ = base_url;
    1
}

struct UrlClient {
    base_url: reqwest::Url,
}

impl UrlClient {
    #[llm_call(provider = "openai", model = "gpt-4o", name = "url_field", server = self.base_url)]
    async fn ask(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn a_url_server_records_its_host_and_port() {
    let cap = Capture::new();
    let base = reqwest::Url::parse("http://127.0.0.1:8080/v1").unwrap();
    cap.run(url_server(base)).await;
    let recorded = attributes(&cap.span("url_server"));
    assert_eq!(recorded["server.address"], Value::from("127.0.0.1"));
    assert_eq!(recorded["server.port"], Value::I64(8080));

    let client = UrlClient {
        base_url: reqwest::Url::parse("https://llm.internal:8443/v1").unwrap(),
    };
    cap.run(client.ask()).await;
    let attributes = attributes(&cap.span("url_field"));
    assert_eq!(attributes["server.address"], Value::from("llm.internal"));
    assert_eq!(attributes["server.port"], Value::I64(8443));
}

#[llm_call(provider = "openai", name = "mut_request", request = request)]
async fn mut_request(request: &mut ChatRequest) -> Result<ChatCompletion, ApiError> {
    request.model.push_str("-2024");
    Ok(ChatCompletion::default())
}

#[tokio::test]
async fn a_mut_reference_request_is_read() {
    let cap = Capture::new();
    let mut request = ChatRequest {
        model: "gpt-4o".into(),
        temperature: Some(0.5),
        ..ChatRequest::default()
    };
    cap.run(mut_request(&mut request)).await.unwrap();
    let attributes = attributes(&cap.span("mut_request"));
    assert_eq!(attributes["gen_ai.request.model"], Value::from("gpt-4o"));
    assert_eq!(attributes["gen_ai.request.temperature"], Value::F64(0.5));
    assert_eq!(
        request.model, "gpt-4o-2024",
        "the body ran on the caller's request"
    );
}

pub struct Wrapper<T>(T);

pub trait Ask {
    fn ask(&self) -> impl std::future::Future<Output = u8> + Send;
}

impl Wrapper<u8> {
    #[llm_call(provider = "openai", model = "gpt-4o", name = "inherent")]
    pub async fn ask(&self) -> u8 {
        self.0
    }

    #[workflow(name = "method_workflow")]
    pub async fn flow(&self) -> u8 {
        self.0
    }
}

impl<T: Sync> Wrapper<T> {
    #[llm_call(provider = "openai", model = "gpt-4o", name = "generic_impl")]
    pub async fn generic(&self) -> u8 {
        2
    }
}

impl Ask for Wrapper<u8> {
    #[llm_call(provider = "openai", model = "gpt-4o", name = "trait_impl")]
    async fn ask(&self) -> u8 {
        self.0
    }
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "free")]
async fn free() -> u8 {
    3
}

#[tokio::test]
async fn code_function_name_is_the_qualified_path_of_methods() {
    let cap = Capture::new();
    let wrapper = Wrapper(1u8);
    cap.run(async {
        wrapper.ask().await;
        Ask::ask(&wrapper).await;
        Wrapper("x").generic().await;
        wrapper.flow().await;
        free().await;
        // A second call reads the path worked out on the first.
        wrapper.ask().await;
    })
    .await;
    let inherent: Vec<_> = cap
        .spans()
        .iter()
        .filter(|s| s.name == "inherent")
        .map(|s| attributes(s)["code.function.name"].clone())
        .collect();
    let expected = Value::from("spans::arguments::Wrapper<u8>::ask");
    assert_eq!(inherent, [expected.clone(), expected]);
    let function = |name: &str| attributes(&cap.span(name))["code.function.name"].clone();
    assert_eq!(
        function("trait_impl"),
        Value::from("<spans::arguments::Wrapper<u8> as spans::arguments::Ask>::ask")
    );
    assert_eq!(
        function("generic_impl"),
        Value::from("spans::arguments::Wrapper<_>::generic")
    );
    assert_eq!(
        function("invoke_workflow method_workflow"),
        Value::from("spans::arguments::Wrapper<u8>::flow")
    );
    assert_eq!(function("free"), Value::from("spans::arguments::free"));
}
