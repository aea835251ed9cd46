//! Reading the standard `OTEL_*` variables. Every value read here can also be
//! set on the [`Builder`](super::Builder), which wins.

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry_sdk::trace::Sampler;

use super::InitError;

/// Where variables come from: the process environment, or nothing (for a
/// configuration written entirely in code).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Env {
    Process,
    Map(BTreeMap<String, String>),
}

/// Names only: values such as `OTEL_EXPORTER_OTLP_HEADERS` hold credentials.
impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Env::Process => f.write_str("Process"),
            Env::Map(vars) => f.debug_tuple("Map").field(&vars.keys()).finish(),
        }
    }
}

impl Env {
    /// The trimmed, non-empty value of `name`.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        let value = match self {
            Env::Process => std::env::var(name).ok(),
            Env::Map(vars) => vars.get(name).cloned(),
        };
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, InitError> {
        match self.var(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(InitError::invalid(name, &v, "expected `true` or `false`")),
        }
    }

    pub(crate) fn usize(&self, name: &str) -> Result<Option<usize>, InitError> {
        self.var(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| InitError::invalid(name, &v, "expected a whole number"))
            })
            .transpose()
    }

    /// A duration in milliseconds, as the `OTEL_*` variables write them.
    pub(crate) fn millis(&self, name: &str) -> Result<Option<Duration>, InitError> {
        self.var(name)
            .map(|v| {
                v.parse()
                    .map(Duration::from_millis)
                    .map_err(|_| InitError::invalid(name, &v, "expected milliseconds"))
            })
            .transpose()
    }
}

/// `OTEL_TRACES_SAMPLER` with `OTEL_TRACES_SAMPLER_ARG`.
pub(crate) fn sampler(env: &Env) -> Result<Option<Sampler>, InitError> {
    let Some(name) = env.var("OTEL_TRACES_SAMPLER") else {
        return Ok(None);
    };
    let ratio = || -> Result<f64, InitError> {
        match env.var("OTEL_TRACES_SAMPLER_ARG") {
            None => Ok(1.0),
            Some(arg) => match arg.parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                _ => Err(InitError::invalid(
                    "OTEL_TRACES_SAMPLER_ARG",
                    &arg,
                    "expected a ratio between 0 and 1",
                )),
            },
        }
    };
    let sampler = match name.to_ascii_lowercase().as_str() {
        "always_on" => Sampler::AlwaysOn,
        "always_off" => Sampler::AlwaysOff,
        "traceidratio" => Sampler::TraceIdRatioBased(ratio()?),
        "parentbased_always_on" => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        "parentbased_always_off" => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        "parentbased_traceidratio" => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio()?)))
        }
        _ => {
            return Err(InitError::invalid(
                "OTEL_TRACES_SAMPLER",
                &name,
                "expected always_on, always_off, traceidratio, parentbased_always_on, \
                 parentbased_always_off or parentbased_traceidratio",
            ))
        }
    };
    Ok(Some(sampler))
}

/// What errors show instead of a value that holds credentials.
pub(crate) const REDACTED: &str = "<redacted>";

/// `k1=v1,k2=v2` with percent-encoded values (`OTEL_EXPORTER_OTLP_HEADERS`).
pub(crate) fn headers(name: &str, value: &str) -> Result<BTreeMap<String, String>, InitError> {
    // The values are credentials: errors name the pair's position, never
    // the text.
    let mut headers = BTreeMap::new();
    for (i, pair) in value.split(',').enumerate() {
        if pair.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = pair.split_once('=') else {
            return Err(InitError::invalid(
                name,
                REDACTED,
                &format!(
                    "pair {} is not `key=value` (pairs are separated by commas)",
                    i + 1
                ),
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(InitError::invalid(
                name,
                REDACTED,
                &format!("pair {} has an empty header name", i + 1),
            ));
        }
        headers.insert(key.to_ascii_lowercase(), percent_decode(value.trim()));
    }
    Ok(headers)
}

/// Why a header cannot be sent over HTTP or gRPC, if it cannot. Never
/// mentions the value (a credential).
pub(crate) fn unsendable(name: &str, value: &str) -> Option<&'static str> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some("not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
    }
    if http::HeaderValue::from_str(value).is_err() {
        return Some(
            "its value cannot be sent as a header (it holds a control character, such as a \
             newline)",
        );
    }
    None
}

pub(crate) fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The endpoint of one signal over OTLP/HTTP: the signal's own variable is
/// used as written; the general one gets the signal's path appended, as the
/// specification says.
pub(crate) fn http_signal_endpoint(general: &str, path: &str) -> String {
    format!(
        "{}/{}",
        general.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_split_trimmed_and_percent_decoded() {
        let h = headers("H", "Authorization=Bearer%20abc, x-team = llm%2Dops ,").unwrap();
        assert_eq!(h["authorization"], "Bearer abc");
        assert_eq!(h["x-team"], "llm-ops");
        assert!(headers("H", "novalue").is_err());
    }

    #[test]
    fn header_errors_never_echo_the_credentials() {
        for broken in ["authorization=Bearer s3cret,oops", "x=1,=s3cret"] {
            let err = headers("H", broken).unwrap_err().to_string();
            assert!(!err.contains("s3cret"), "{err}");
        }
        assert_eq!(
            headers("H", "a=1,oops").unwrap_err().to_string(),
            "invalid H=\"<redacted>\": pair 2 is not `key=value` (pairs are separated by commas)"
        );
        let env = Env::Map([("H".to_owned(), "authorization=s3cret".to_owned())].into());
        assert_eq!(format!("{env:?}"), r#"Map(["H"])"#);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    fn vars(pairs: &[(&str, &str)]) -> Env {
        Env::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn samplers_from_the_standard_names() {
        let parse = |name, arg: Option<&str>| {
            let mut pairs = vec![("OTEL_TRACES_SAMPLER", name)];
            if let Some(arg) = arg {
                pairs.push(("OTEL_TRACES_SAMPLER_ARG", arg));
            }
            sampler(&vars(&pairs)).map(|s| format!("{s:?}"))
        };
        let show = |s: Sampler| format!("{:?}", Some(s));
        assert_eq!(parse("always_off", None).unwrap(), show(Sampler::AlwaysOff));
        assert_eq!(
            parse("traceidratio", Some("0.25")).unwrap(),
            show(Sampler::TraceIdRatioBased(0.25))
        );
        assert_eq!(
            parse("parentbased_traceidratio", Some("0.5")).unwrap(),
            show(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                0.5
            ))))
        );
        assert_eq!(
            parse("parentbased_always_on", None).unwrap(),
            show(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
        );
        assert!(sampler(&vars(&[])).unwrap().is_none());
        let err = parse("traceidratio", Some("2")).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid OTEL_TRACES_SAMPLER_ARG=\"2\": expected a ratio between 0 and 1"
        );
        assert!(parse("jaeger_remote", None).is_err());
    }

    #[test]
    fn signal_paths_are_appended_once() {
        assert_eq!(
            http_signal_endpoint("http://collector:4318/", "v1/traces"),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            http_signal_endpoint("https://cloud.langfuse.com/api/public/otel", "/v1/traces"),
            "https://cloud.langfuse.com/api/public/otel/v1/traces"
        );
    }
}
