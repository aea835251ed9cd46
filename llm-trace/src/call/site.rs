//! The call site: what the macro knows about an annotated function at
//! compile time (one `static` per function), the per-thread scratch buffer
//! of span attributes, `fields(...)` recording, and the names worked out
//! once per site (function path, span name, server address).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use opentelemetry::{Key, KeyValue, StringValue};

use super::attributes::metric_value;
use crate::content::CaptureMode;
use crate::metadata::{self, AttributeValue, StaticValue};
use crate::provider::Provider;

/// What is known about an annotated function at compile time; one `static`
/// per annotated function, built by the macro.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallSite {
    pub(super) provider: &'static str,
    pub(super) operation: &'static str,
    pub(super) function: &'static str,
    /// The `type_name` of an item nested in the annotated function (see
    /// [`CallSite::path`]), read once into `qualified`.
    pub(super) path: Option<fn() -> &'static str>,
    pub(super) qualified: OnceLock<&'static str>,
    pub(super) name: Option<&'static str>,
    pub(super) model: Option<&'static str>,
    pub(super) server_address: Option<&'static str>,
    pub(super) server_port: Option<u16>,
    pub(super) metadata: &'static [(&'static str, StaticValue)],
    pub(super) fields: usize,
    pub(super) internal: bool,
    pub(super) stream: bool,
    pub(super) capture: Option<CaptureMode>,
    /// The most attributes a span of this site has had so far (0: none
    /// ended yet), to size the next span's attributes once.
    pub(super) attributes: AtomicUsize,
    /// The first model seen here and its span name, made `'static` once.
    pub(super) named: OnceLock<(&'static str, &'static str)>,
    /// The first `server = ...` value seen here and its host, made
    /// `'static` once.
    pub(super) server: OnceLock<(&'static str, &'static str)>,
}

impl CallSite {
    /// A call site of provider `P` in `function` (its `module::name` path).
    pub const fn new<P: Provider>(function: &'static str) -> Self {
        CallSite {
            provider: P::NAME,
            operation: P::DEFAULT_OPERATION,
            function,
            path: None,
            qualified: OnceLock::new(),
            name: None,
            model: None,
            server_address: P::SERVER_ADDRESS,
            server_port: P::SERVER_PORT,
            metadata: &[],
            fields: 0,
            stream: false,
            internal: false,
            capture: None,
            attributes: AtomicUsize::new(0),
            named: OnceLock::new(),
            server: OnceLock::new(),
        }
    }

    /// `path` gives the `std::any::type_name` of an item nested in the
    /// function's body: its path names the function with its `impl` type
    /// (`app::Wrapper::ask`, `<app::Wrapper as app::Ask>::ask`), which
    /// `module_path!()` cannot.
    pub const fn path(mut self, path: fn() -> &'static str) -> Self {
        self.path = Some(path);
        self
    }

    /// `code.function.name`: the function's qualified path, worked out on
    /// the first call.
    pub(super) fn function_name(&self) -> &'static str {
        match self.path {
            Some(path) => self
                .qualified
                .get_or_init(|| function_path(path(), self.function)),
            None => self.function,
        }
    }

    /// `capture_content = "..."`: this function's content capture mode,
    /// whatever the process-wide one.
    pub const fn capture_content(mut self, mode: CaptureMode) -> Self {
        self.capture = Some(mode);
        self
    }

    /// The number of `fields(...)` entries, to size the span's attributes once.
    pub const fn fields(mut self, count: usize) -> Self {
        self.fields = count;
        self
    }

    /// An INTERNAL span (tool executions, in-process agents) instead of CLIENT.
    /// The function returns a stream: the span ends with the stream.
    pub const fn stream(mut self) -> Self {
        self.stream = true;
        self
    }

    pub const fn internal(mut self) -> Self {
        self.internal = true;
        self
    }

    /// `operation = "..."`.
    pub const fn operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// `name = "..."`.
    pub const fn name(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

    /// `model = "..."`.
    pub const fn model(mut self, model: &'static str) -> Self {
        self.model = Some(model);
        self
    }

    /// `server = "host[:port]"` given as a literal.
    pub const fn server(mut self, address: &'static str, port: Option<u16>) -> Self {
        self.server_address = Some(address);
        self.server_port = port;
        self
    }

    /// Literal metadata.
    pub const fn metadata(mut self, metadata: &'static [(&'static str, StaticValue)]) -> Self {
        self.metadata = metadata;
        self
    }

    /// The `gen_ai.provider.name`.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The `gen_ai.operation.name`.
    pub fn operation_name(&self) -> &'static str {
        self.operation
    }

    /// The capacity to give a span's attributes: what this site's spans have
    /// needed so far, or an estimate before the first one ends.
    #[inline]
    pub(super) fn attribute_capacity(&self) -> usize {
        match self.attributes.load(Ordering::Relaxed) {
            0 => 5 + 1 + self.metadata.len() + self.fields + 8,
            seen => seen,
        }
    }

    /// The `gen_ai.request.model` value and the span name of a call of
    /// `model`, and whether the model was over [`metadata::MAX_MODEL_BYTES`]
    /// (then both carry it cut). A call site nearly always calls one model:
    /// the first one it sees within the bound is copied once into memory
    /// that lives as long as the site (the program), so that its calls
    /// allocate and format neither. Other models are copied per call.
    #[inline]
    pub(super) fn model_and_name(
        &'static self,
        model: &str,
    ) -> (StringValue, Cow<'static, str>, bool) {
        let model = match metadata::bounded_model(model) {
            Ok(model) => model,
            Err(cut) => return self.cut_model_and_name(cut),
        };
        let &(first, first_name) = self.named.get_or_init(|| {
            let first = self.model.unwrap_or_else(|| leak(model.to_owned()));
            let name = self
                .name
                .unwrap_or_else(|| leak(span_name(self.operation, first)));
            (first, name)
        });
        if first == model {
            return (StringValue::from(first), Cow::Borrowed(first_name), false);
        }
        let name = self.name.map_or_else(
            || Cow::Owned(span_name(self.operation, model)),
            Cow::Borrowed,
        );
        (StringValue::from(Arc::<str>::from(model)), name, false)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn cut_model_and_name(
        &self,
        cut: StringValue,
    ) -> (StringValue, Cow<'static, str>, bool) {
        let name = self.name.map_or_else(
            || Cow::Owned(span_name(self.operation, cut.as_str())),
            Cow::Borrowed,
        );
        (cut, name, true)
    }

    /// `server.address` and `server.port` of `server = ...`; the first value
    /// seen is kept as [`CallSite::model_and_name`] keeps the first model.
    #[inline]
    pub(super) fn server_address(&'static self, server: &str) -> (StringValue, Option<u16>) {
        let &(first, first_host) = self.server.get_or_init(|| {
            (
                leak(server.to_owned()),
                leak(parse_server(server).0.to_owned()),
            )
        });
        let (host, port) = parse_server(server);
        if first == server {
            return (StringValue::from(first_host), port);
        }
        (StringValue::from(Arc::<str>::from(host)), port)
    }

    /// Notes that a span of this site had `count` attributes.
    #[inline]
    pub(super) fn fit(&self, count: usize) {
        if count > self.attributes.load(Ordering::Relaxed) {
            self.attributes.fetch_max(count, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// Lent to one call at a time to gather the attributes set on its span
    /// after the start (the span moves them into its own storage), so that
    /// a call allocates no vector for them.
    static SCRATCH: RefCell<Vec<KeyValue>> = const { RefCell::new(Vec::new()) };
}

/// Largest scratch vector kept between calls.
pub(super) const SCRATCH_KEPT: usize = 64;

/// Runs `f` with an empty vector: this thread's scratch one, unless it is
/// lent already (`f` started another call) or gone (the thread is exiting).
#[inline]
pub(super) fn with_attributes<R>(f: impl FnOnce(&mut Vec<KeyValue>) -> R) -> R {
    let mut f = Some(f);
    let lent = SCRATCH.try_with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        scratch.clear();
        let r = (f.take()?)(&mut scratch);
        scratch.clear();
        if scratch.capacity() > SCRATCH_KEPT {
            scratch.shrink_to(SCRATCH_KEPT);
        }
        Some(r)
    });
    match (lent, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut Vec::new()),
        (_, None) => unreachable!("the scratch vector's user returned"),
    }
}

/// Records `fields(...)` of an annotation. The generated code asks
/// [`Fields::wants`] before evaluating each expression, so only the fields
/// that will be recorded are evaluated.
#[doc(hidden)]
pub struct Fields<'a> {
    /// The span's attributes, when it records.
    pub(super) span: Option<&'a mut Vec<KeyValue>>,
    /// The metrics' metadata attributes, when some keys are allowed there.
    pub(super) metric: Option<(&'a [Key], &'a mut Vec<KeyValue>)>,
}

impl Fields<'_> {
    /// Whether the value under `key` will be recorded anywhere.
    #[inline]
    pub fn wants(&self, key: &'static str) -> bool {
        self.span.is_some()
            || self
                .metric
                .as_ref()
                .is_some_and(|(keys, _)| keys.iter().any(|k| k.as_str() == key))
    }

    /// Records `value` under `key`, unless it converts to nothing (`None`).
    #[inline]
    pub fn record<T: AttributeValue + ?Sized>(&mut self, key: &'static str, value: &T) {
        let Some(value) = value.to_value().map(metadata::bounded_value) else {
            return;
        };
        if let Some((keys, metric)) = &mut self.metric {
            if keys.iter().any(|k| k.as_str() == key) {
                metric.push(KeyValue::new(
                    Key::from_static_str(key),
                    metric_value(&value),
                ));
            }
        }
        if let Some(span) = &mut self.span {
            span.push(KeyValue::new(Key::from_static_str(key), value));
        }
    }
}

/// Splits `host[:port]` or a URL (`scheme://host[:port][/path]`) into its
/// host and port; the scheme gives the port when none is written.
/// The function's path from the `type_name` of an item nested in its body
/// (`app::Wrapper::ask::{{closure}}::__llm_trace_fn`): the item's name and
/// the `{{closure}}` of an `async` body dropped. `fallback` (`module::name`)
/// when the name has another shape.
pub(super) fn function_path(nested: &'static str, fallback: &'static str) -> &'static str {
    let Some((mut path, _item)) = nested.rsplit_once("::") else {
        return fallback;
    };
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    if path.is_empty() {
        fallback
    } else {
        path
    }
}

pub(super) fn parse_server(server: &str) -> (&str, Option<u16>) {
    let (scheme, rest) = match server.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, server),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (bracketed, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => match port.parse() {
                Ok(port) => (host, Some(port)),
                Err(_) => (authority, None),
            },
            None => (authority, None),
        }
    };
    let port = port.or(match scheme {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    (host, port)
}

/// `s`, kept for the rest of the program (once per call site).
pub(super) fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `{operation} {model}`, the conventions' span name.
pub(super) fn span_name(operation: &str, model: &str) -> String {
    let mut name = String::with_capacity(operation.len() + 1 + model.len());
    name.push_str(operation);
    name.push(' ');
    name.push_str(model);
    name
}

#[cfg(test)]
mod tests {
    use super::{function_path, parse_server};

    #[test]
    fn function_path_drops_the_nested_item_and_async_closures() {
        assert_eq!(
            function_path("app::Wrapper::ask::{{closure}}::__llm_trace_fn", "app::ask"),
            "app::Wrapper::ask"
        );
        assert_eq!(
            function_path("<app::W<_> as app::Ask>::ask::__llm_trace_fn", "app::ask"),
            "<app::W<_> as app::Ask>::ask"
        );
        assert_eq!(function_path("__llm_trace_fn", "app::ask"), "app::ask");
    }

    #[test]
    fn server_from_url_host_port_and_ipv6() {
        assert_eq!(
            parse_server("https://api.openai.com/v1"),
            ("api.openai.com", Some(443))
        );
        assert_eq!(
            parse_server("http://127.0.0.1:8080/v1"),
            ("127.0.0.1", Some(8080))
        );
        assert_eq!(parse_server("localhost:11434"), ("localhost", Some(11434)));
        assert_eq!(parse_server("example.com"), ("example.com", None));
        assert_eq!(parse_server("http://[::1]:9000/x"), ("::1", Some(9000)));
        assert_eq!(
            parse_server("https://user:pw@host.io/x"),
            ("host.io", Some(443))
        );
    }
}
