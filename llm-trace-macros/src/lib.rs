//! The `#[llm_call]` attribute of [llm-trace](https://docs.rs/llm-trace).
//! Depend on `llm-trace` and use it as `llm_trace::llm_call`; this crate
//! only parses the annotation and generates code that calls the runtime.
//!
//! Each attribute runs three stages (the shape of serde_derive's
//! `internals`): `parse` reads the arguments into a model (`args`) and the
//! item into a function, collecting every error in one `ctxt::Ctxt`;
//! `check` adds what the arguments and the function say together, and
//! hands on a checked model only when there was no error; `expand`
//! generates the instrumented function from it and cannot fail. `shape`
//! reads the function's signature (streams, `#[async_trait]` bodies) for
//! both. The names it writes (providers, operations, keys) come from
//! `llm-trace-names`; a workflow span's name and kind are the runtime's
//! (`WorkflowSite`).

mod args;
mod check;
mod ctxt;
mod expand;
mod parse;
mod shape;

use proc_macro::TokenStream;

use crate::args::Args;
use crate::ctxt::Ctxt;
use crate::parse::Item;

/// Turns an `async fn` that calls an LLM into an OpenTelemetry GenAI span.
///
/// ```
/// use llm_trace::llm_call;
/// use llm_trace::provider::openai::{ChatCompletion, ChatRequest};
///
/// # #[derive(Debug)] pub struct ApiError;
/// # pub struct Client;
/// # impl Client { async fn chat(&self, _r: ChatRequest) -> Result<ChatCompletion, ApiError> { Ok(ChatCompletion::default()) } }
/// # pub struct User { id: u64, tier: &'static str }
/// #[llm_call(provider = "openai", prompt_id = 5, feature = "summarize",
///            fields(user.id = user.id, user.tier = %user.tier), request = req)]
/// async fn summarize(client: &Client, user: &User, req: ChatRequest)
///     -> Result<ChatCompletion, ApiError>
/// {
///     client.chat(req).await
/// }
/// ```
///
/// Each call starts a CLIENT span named `{gen_ai.operation.name}
/// {gen_ai.request.model}` (`chat gpt-4o-mini`), runs the body with that span
/// as the current context (so nested calls and your own spans become its
/// children), and ends it with the outcome:
///
/// - `Ok(response)` or a plain return value: when the value's type implements
///   [`ResponseFacts`] for the provider (also inside an `Option`, read when
///   `Some`), the response id and model, finish reasons and token usage
///   (cache and reasoning tokens included);
/// - a stream (`impl Stream`, or a boxed `Pin<Box<dyn Stream ..>>` /
///   `BoxStream` under any name, also in a `Result` or `Option`): the span
///   stays open until the stream ends, and its chunks give the facts;
/// - `Err(e)`: status Error with `e`'s `Display` (or `Debug`) text and
///   `error.type` (from [`ErrorType`] when `e` implements it, else the error's
///   type name). `Result` is recognized by type, so aliases such as
///   `anyhow::Result<T>` or `io::Result<T>` need nothing extra;
/// - a future dropped before it completes: `error.type = "cancelled"`;
/// - a panic in the body: `error.type = "panic"`, an `exception` event; the
///   panic continues unchanged.
///
/// The return value is never changed.
///
/// The value is read by its type. In a model call (`chat`,
/// `text_completion`, `generate_content`, `embeddings`) a value that could
/// carry facts but gives none is a compile error rather than a span without
/// usage: a type of your own or a generic `T` needs [`ResponseFacts`] (a
/// stream's items [`ChunkFacts`]), or `response = none` to say it is not the
/// model's response. Values that cannot carry facts (numbers, `bool`, `()`,
/// text, bytes, and `Vec`s, `Option`s and tuples of them) are accepted and
/// record no usage; tools, agents and workflows accept any value. A stream
/// of a type that cannot be wrapped and returned as declared (not boxed, not
/// `impl Stream`) is a compile error too.
///
/// # Arguments
///
/// | argument | meaning |
/// |---|---|
/// | `provider = "openai"` \| `"anthropic"` \| ... | a built-in provider, a string literal spelled exactly (`"deepseek"`, `"groq"`, `"x_ai"`, `"mistral_ai"`, `"perplexity"`, `"openrouter"`, `"azure.ai.openai"`, `"aws.bedrock"`, `"cohere"`, `"ollama"`, `"gcp.gemini"`, `"gcp.vertex_ai"`); required, or one of the next two forms, except with `operation = "execute_tool"` or `"invoke_agent"` |
/// | `provider = openai_compatible("name")` | another server of OpenAI's Chat Completions format, under its own name (a non-empty string literal) |
/// | `provider = my::Backend` | a path to your type implementing [`Provider`] |
/// | `operation = "chat"` | `gen_ai.operation.name`, a string literal; default from the provider. `chat`, `text_completion`, `generate_content` and `embeddings` are model calls (a value that could carry facts must give them, see below); `execute_tool`, and `invoke_agent` without a provider, are INTERNAL spans |
/// | `name = "..."` | the span name instead of `{operation} {model}` (a string literal) |
/// | `model = "..."` | `gen_ai.request.model` and the span name's model (a string literal); wins over the model the request names |
/// | `request = req` | the name of the parameter holding the request (not an expression; held by value, `&`, `&mut`, `Box` or `Arc`); read through [`RequestFacts`] (model, temperature, top_p, max tokens, stop sequences, seed, choice count, ...) |
/// | `server = expr` | the base URL or `host:port` called (`server.address`, `server.port`): any expression giving a `&str`, `String`, `Cow<str>`, `Box<str>`, `Arc<str>` or `url::Url`; default from the provider |
/// | `stream` | a flag without a value: the function returns a stream that neither its type nor its signature shows (a function that is not `async` returning an alias of a boxed stream, or `impl` of a stream trait of your own); `impl Stream` and boxed streams under any name need no flag. Not with `response = none` |
/// | `response = none` | the returned value is not the model's response: the span ends when the function returns and reads no facts from it (an `Err` still names its error); a function that is not `async` is then instrumented too |
/// | `capture_content = "span_only"` | this function's [content capture] mode (`"no_content"`, `"span_only"`, `"event_only"`, `"span_and_event"`, any ASCII case), whatever the process-wide one |
/// | `prompt`, `prompt_version`, `conversation` | `gen_ai.prompt.name`, `gen_ai.prompt.version`, `gen_ai.conversation.id` |
/// | `agent`, `agent_id`, `agent_description` | `gen_ai.agent.name`, `.id`, `.description`; with `operation = "invoke_agent"` an `agent` string literal names the span |
/// | `tool`, `tool_call_id`, `tool_type`, `tool_description` | `gen_ai.tool.name`, `.call.id`, `.type`, `.description`; with `operation = "execute_tool"` a `tool` string literal names the span |
/// | `prompt_variables(name = expr, ...)` | `gen_ai.prompt.variable.<name>`, entries as in `fields` |
/// | `key = 5` \| `-1.5` \| `true` \| `"text"` | literal metadata: a string, an integer within `i64`, a finite float or a bool; keys may be dotted (`app.flow = "x"`), quoted (`"x-team"`) or raw (`r#model`); a constant goes in `fields(key = CONST)` |
/// | `fields(key = expr, key = %expr, key = ?expr, param)` | metadata from the arguments: typed through [`AttributeValue`], `%` for `Display`, `?` for `Debug`; a bare name only for a parameter recorded under its own name |
///
/// The `prompt`, `agent*`, `tool*` and `conversation` arguments take a
/// literal (string, number or bool) or an expression over the arguments
/// (also `%expr`, `?expr`). Each argument may appear once, and each key once
/// across literal metadata, `fields(...)` and the attributes these arguments
/// set.
///
/// ```
/// // `response = none` on a function that is not `async`: the span covers the call.
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini", response = none,
///                       prompt_version = 3, fields(attempt))]
/// fn render_prompt(attempt: u32) -> String {
///     format!("attempt {attempt}")
/// }
/// assert_eq!(render_prompt(2), "attempt 2");
/// ```
///
/// A metadata key that looks like a misspelled argument (one edit from an
/// argument of four to seven letters, two from one of eight or more, or the
/// same but for case and underscores: `modle`, `sever`, `operaton`,
/// `captureContent`; dotted keys judged whole) is a compile error with a
/// did-you-mean. To record such a key on purpose, quote it (`"mode" =
/// "fast"`), write it raw (`r#mode = "fast"`) or put it in `fields(...)`:
///
/// ```compile_fail
/// // error: unknown argument `modle` (did you mean `model`?) ...
/// #[llm_trace::llm_call(provider = "openai", modle = "gpt-4o")]
/// async fn f() {}
/// ```
///
/// ```
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o", "mode" = "fast")]
/// async fn f() {}
/// ```
///
/// `fields` expressions are evaluated only when the span records (not when
/// it is sampled out or no SDK is installed), before the body runs.
///
/// ```
/// use llm_trace::llm_call;
/// use serde_json::{json, Value};
///
/// struct Service { base_url: String }
///
/// impl Service {
///     // Raw JSON bodies work too; `server` names the endpoint actually called.
///     #[llm_call(provider = "anthropic", server = self.base_url, app.flow = "triage",
///                fields(ticket = ticket_id, attempt), request = body)]
///     async fn classify(&self, ticket_id: u64, attempt: u32, body: Value)
///         -> anyhow::Result<Value>
///     {
///         Ok(json!({"model": "claude-sonnet-4-5", "usage": {"input_tokens": 3, "output_tokens": 1}}))
///     }
/// }
/// ```
///
/// Methods of `#[async_trait]` traits and impls are instrumented too: the
/// impl's attribute expands first, and `#[llm_call]` recognizes the
/// `Box::pin(async move { .. })` it produces (as `tracing::instrument`
/// does). With `#[tracing::instrument]` on the same function, the attribute
/// written nearer the `fn` wraps the other and its span is the parent.
///
/// Wrong arguments are compile errors on the offending token, all reported
/// at once:
///
/// ```compile_fail
/// // error: unknown provider "opnai" (did you mean "openai"?): the built-in providers are ...
/// #[llm_trace::llm_call(provider = "opnai")]
/// async fn f() {}
/// ```
///
/// [content capture]: ../llm_trace/content/index.html
/// [`ResponseFacts`]: ../llm_trace/provider/trait.ResponseFacts.html
/// [`ChunkFacts`]: ../llm_trace/provider/trait.ChunkFacts.html
/// [`RequestFacts`]: ../llm_trace/provider/trait.RequestFacts.html
/// [`Provider`]: ../llm_trace/provider/trait.Provider.html
/// [`ErrorType`]: ../llm_trace/trait.ErrorType.html
/// [`AttributeValue`]: ../llm_trace/metadata/trait.AttributeValue.html
#[proc_macro_attribute]
pub fn llm_call(args: TokenStream, item: TokenStream) -> TokenStream {
    entry("llm_call", args, item, |cx, args, function| {
        check::call(cx, args, function).map(expand::call)
    })
}

/// Runs an `async fn` as a workflow: an INTERNAL span `invoke_workflow
/// {name}` (with `gen_ai.workflow.name`) whose metadata every LLM call inside
/// inherits, as in `with span("ai_flow_1", prompt_id=5): llm.call()`.
///
/// ```
/// #[llm_trace::workflow(name = "ai_flow_1", prompt_id = 5, fields(ticket.id = ticket_id))]
/// async fn handle_ticket(ticket_id: u64) -> Result<String, std::io::Error> {
///     // every #[llm_call] awaited here carries prompt_id = 5 and ticket.id
///     Ok(format!("ticket {ticket_id} answered"))
/// }
/// ```
///
/// Arguments: `name = "..."` (a string literal, required), literal metadata
/// `key = 5 | 1.5 | true | "text"`, and `fields(key = expr, key = %expr,
/// key = ?expr)`, which, unlike `#[llm_call]`'s, are always evaluated: the
/// calls inside need them whether or not the workflow span is sampled. The
/// `prompt*`, `conversation`, `agent*`, `tool*` and `prompt_variables`
/// arguments are taken as `#[llm_call]` takes them; the others are
/// `#[llm_call]`'s only. An `Err` return marks the span as failed. For
/// closures and blocks use `llm_trace::workflow(name)`.
///
/// ```
/// #[llm_trace::workflow(name = "triage", prompt = "triage", conversation = id)]
/// async fn triage(id: &str) -> String {
///     format!("conversation {id} triaged")
/// }
/// ```
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    entry("workflow", args, item, |cx, args, function| {
        check::workflow(cx, args, function).map(expand::workflow)
    })
}

/// Parse, check, expand. Any error leaves the item as written, with every
/// error of the annotation before it; a function whose body does not parse
/// is left as written too, for rustc to report its syntax error.
fn entry(
    attribute: &str,
    args: TokenStream,
    item: TokenStream,
    check_and_expand: impl FnOnce(&Ctxt, Args, syn::ItemFn) -> Option<proc_macro2::TokenStream>,
) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let cx = Ctxt::new();
    let parsed = parse::item(&cx, attribute, item.clone());
    let args = parse::args(&cx, args.into());
    let expanded = match parsed {
        Item::Fn(function) => check_and_expand(&cx, args, *function),
        Item::Unparsed | Item::Other => None,
    };
    match (cx.check(), expanded) {
        (Ok(()), Some(expanded)) => expanded.into(),
        (Ok(()), None) => item.into(),
        (Err(errors), _) => quote::quote!(#errors #item).into(),
    }
}
