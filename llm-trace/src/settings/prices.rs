//! Prices of your own: the table a [`Settings`](super::Settings) snapshot
//! carries and [`crate::cost`] charges with. Re-exported by `cost`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The prices of one model in US dollars per million tokens.
///
/// A cache or reasoning price left unset charges those tokens at the input
/// (cache reads and writes) or output (reasoning) price.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelPrices {
    /// Input tokens that are neither cache reads nor cache writes.
    pub input_mtok: f64,
    /// Output tokens that are not reasoning tokens.
    pub output_mtok: f64,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_mtok: Option<f64>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_mtok: Option<f64>,
    /// Reasoning (thinking) output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_reasoning_mtok: Option<f64>,
}

impl ModelPrices {
    /// Input and output prices per million tokens.
    pub fn new(input_mtok: f64, output_mtok: f64) -> Self {
        ModelPrices {
            input_mtok,
            output_mtok,
            ..ModelPrices::default()
        }
    }

    /// The price per million cache-read input tokens.
    pub fn cache_read(mut self, mtok: f64) -> Self {
        self.cache_read_mtok = Some(mtok);
        self
    }

    /// The price per million cache-write input tokens.
    pub fn cache_write(mut self, mtok: f64) -> Self {
        self.cache_write_mtok = Some(mtok);
        self
    }

    /// The price per million reasoning output tokens.
    pub fn reasoning(mut self, mtok: f64) -> Self {
        self.output_reasoning_mtok = Some(mtok);
        self
    }

    fn check(&self) -> Result<(), String> {
        let prices = [
            ("input_mtok", Some(self.input_mtok)),
            ("output_mtok", Some(self.output_mtok)),
            ("cache_read_mtok", self.cache_read_mtok),
            ("cache_write_mtok", self.cache_write_mtok),
            ("output_reasoning_mtok", self.output_reasoning_mtok),
        ];
        for (name, price) in prices {
            if let Some(price) = price.filter(|p| !(p.is_finite() && *p >= 0.0)) {
                return Err(format!(
                    "{name} must be a finite, non-negative number, not {price}"
                ));
            }
        }
        Ok(())
    }
}

/// Prices of your own that win over genai-prices: for private deployments,
/// negotiated prices, fine-tuned models, or models genai-prices lacks.
///
/// A rule names a provider (its `gen_ai.provider.name`, e.g. `openai`,
/// `azure.ai.openai`; `*` for any) and a model, matched without regard to
/// ASCII case:
/// - `gpt-4o-mini` matches that model and its dated snapshots
///   (`gpt-4o-mini-2024-07-18`);
/// - `ft:gpt-4o-mini:acme:*` (ending in `*`) matches every model starting
///   with `ft:gpt-4o-mini:acme:`.
///
/// An exact rule wins over a prefix rule, a longer prefix over a shorter
/// one, a rule for the provider over a `*` rule, and a later rule over an
/// earlier one.
///
/// The same table as a JSON file ([`PriceTable::from_file`], the
/// `LLM_TRACE_PRICES` variable, [`crate::export::Builder::prices_file`]):
///
/// ```json
/// {
///   "models": [
///     {"provider": "openai", "model": "gpt-4o-mini", "input_mtok": 0.1, "output_mtok": 0.4},
///     {"provider": "azure.ai.openai", "model": "prod-gpt4o-*", "input_mtok": 2.0,
///      "cache_read_mtok": 1.0, "output_mtok": 8.0},
///     {"model": "llama3.1:8b", "input_mtok": 0, "output_mtok": 0}
///   ]
/// }
/// ```
///
/// `provider` defaults to `*`; `input_mtok` and `output_mtok` are required;
/// `cache_read_mtok`, `cache_write_mtok` and `output_reasoning_mtok` are
/// optional (see [`ModelPrices`]). Unknown fields are an error, so a typo
/// does not silently fall back to another price.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    /// Lowercased; `None` for any provider.
    provider: Option<Box<str>>,
    /// Lowercased, without the `*` of a prefix rule.
    model: Box<str>,
    prefix: bool,
    prices: ModelPrices,
}

/// One entry of a price file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRule {
    #[serde(default)]
    provider: Option<String>,
    model: String,
    input_mtok: f64,
    output_mtok: f64,
    #[serde(default)]
    cache_read_mtok: Option<f64>,
    #[serde(default)]
    cache_write_mtok: Option<f64>,
    #[serde(default)]
    output_reasoning_mtok: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTable {
    models: Vec<FileRule>,
}

impl PriceTable {
    /// An empty table.
    pub fn new() -> Self {
        PriceTable::default()
    }

    /// Adds the prices of `model` (a trailing `*` makes it a prefix) at
    /// `provider` (`*` for any provider).
    pub fn model(mut self, provider: &str, model: &str, prices: ModelPrices) -> Self {
        self.push(provider, model, prices);
        self
    }

    fn push(&mut self, provider: &str, model: &str, prices: ModelPrices) {
        let provider = provider.trim();
        let model = model.trim();
        let (model, prefix) = match model.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (model, false),
        };
        self.rules.push(Rule {
            provider: (provider != "*" && !provider.is_empty())
                .then(|| provider.to_ascii_lowercase().into()),
            model: model.to_ascii_lowercase().into(),
            prefix,
            prices,
        });
    }

    /// Adds every rule of `other` after this table's, so they win over them.
    pub fn extend(&mut self, other: PriceTable) {
        self.rules.extend(other.rules);
    }

    /// Whether the table has no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Parses a table from its JSON form (see [`PriceTable`]).
    pub fn from_json(json: &str) -> Result<Self, PricesError> {
        Self::parse(json, None)
    }

    /// Reads a table from a JSON file (see [`PriceTable`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PricesError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| PricesError {
            path: Some(path.to_owned()),
            kind: ErrorKind::Io(source),
        })?;
        Self::parse(&json, Some(path))
    }

    fn parse(json: &str, path: Option<&Path>) -> Result<Self, PricesError> {
        let error = |kind| PricesError {
            path: path.map(Path::to_owned),
            kind,
        };
        let file: FileTable = serde_json::from_str(json).map_err(|e| error(ErrorKind::Json(e)))?;
        let mut table = PriceTable::new();
        for (i, rule) in file.models.into_iter().enumerate() {
            let prices = ModelPrices {
                input_mtok: rule.input_mtok,
                output_mtok: rule.output_mtok,
                cache_read_mtok: rule.cache_read_mtok,
                cache_write_mtok: rule.cache_write_mtok,
                output_reasoning_mtok: rule.output_reasoning_mtok,
            };
            let invalid = |why: String| error(ErrorKind::Invalid(format!("models[{i}]: {why}")));
            if rule.model.trim().trim_end_matches('*').is_empty() {
                return Err(invalid("`model` is empty".to_owned()));
            }
            prices.check().map_err(invalid)?;
            table.push(rule.provider.as_deref().unwrap_or("*"), &rule.model, prices);
        }
        Ok(table)
    }

    /// The prices of `model` at `provider`, if a rule matches.
    pub(crate) fn find(&self, provider: &str, model: &str) -> Option<&ModelPrices> {
        // Later rules and rules for the provider win: the best is the last
        // with the highest (length, specific) rank.
        fn best<'r>(
            rules: impl Iterator<Item = &'r Rule>,
            provider: &str,
        ) -> Option<&'r ModelPrices> {
            rules
                .filter(|rule| {
                    rule.provider
                        .as_deref()
                        .is_none_or(|p| p.eq_ignore_ascii_case(provider))
                })
                .max_by_key(|rule| (rule.model.len(), rule.provider.is_some()))
                .map(|rule| &rule.prices)
        }
        let model = model.to_ascii_lowercase();
        for name in std::iter::once(model.clone()).chain(snapshot_bases(&model)) {
            let exact = self.rules.iter().filter(|r| !r.prefix && *r.model == *name);
            if let Some(prices) = best(exact, provider) {
                return Some(prices);
            }
        }
        let prefixed = self
            .rules
            .iter()
            .filter(|r| r.prefix && model.starts_with(&*r.model));
        best(prefixed, provider)
    }
}

/// A price table that could not be read.
#[derive(Debug)]
pub struct PricesError {
    path: Option<PathBuf>,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Io(std::io::Error),
    Json(serde_json::Error),
    Invalid(String),
}

impl PricesError {
    /// The file, when the table was read from one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for PricesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "price table {}: ", path.display())?;
        } else {
            f.write_str("price table: ")?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "{e}"),
            ErrorKind::Json(e) => write!(f, "{e}"),
            ErrorKind::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for PricesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            ErrorKind::Json(e) => Some(e),
            ErrorKind::Invalid(_) => None,
        }
    }
}

/// The names a dated or decorated model name falls back to, most specific
/// first: `models/gemini-2.0-flash-001` → `gemini-2.0-flash-001` →
/// `gemini-2.0-flash` → `gemini-2.0-flash-latest`. Only tried after the
/// name itself found no price.
pub(crate) fn snapshot_bases(model: &str) -> Vec<String> {
    let mut bases = Vec::new();
    let mut name = model;
    // API resource paths: `models/x`, `publishers/google/models/x`.
    if let Some((_, last)) = name.rsplit_once("models/") {
        name = last;
        bases.push(name.to_owned());
    }
    // Vertex AI versions: `claude-3-5-sonnet-v2@20241022`.
    if let Some((base, _)) = name.split_once('@') {
        name = base;
        bases.push(name.to_owned());
    }
    while let Some(base) = strip_version(name) {
        name = base;
        bases.push(name.to_owned());
    }
    if name != model && !name.is_empty() {
        bases.push(format!("{name}-latest"));
    }
    bases.retain(|b| !b.is_empty());
    bases
}

/// `name` without one trailing date, version or `-latest`: `-2024-07-18`,
/// `-20241022`, `-03-2025`, `-2503`, `-001`, `-v2`, `-v1:0`, `-latest`.
fn strip_version(name: &str) -> Option<&str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let (rest, last) = name.rsplit_once('-')?;
    if rest.is_empty() {
        return None;
    }
    if digits(last, 8) || digits(last, 4) || digits(last, 3) || last == "latest" {
        // `-MM-DD` of `-YYYY-MM-DD`, `-YYYY` of `-MM-YYYY`.
        if let Some((rest2, middle)) = rest.rsplit_once('-') {
            if digits(last, 4) && digits(middle, 2) && !rest2.is_empty() {
                return Some(rest2);
            }
        }
        return Some(rest);
    }
    if digits(last, 2) {
        let (rest2, month) = rest.rsplit_once('-')?;
        let (rest3, year) = rest2.rsplit_once('-')?;
        if digits(month, 2) && digits(year, 4) && !rest3.is_empty() {
            return Some(rest3);
        }
        return None;
    }
    let version = last.strip_prefix('v')?;
    let (major, minor) = version.split_once(':').unwrap_or((version, "0"));
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (is_number(major) && is_number(minor)).then_some(rest)
}
