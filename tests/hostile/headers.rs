//! `traceparent`, `tracestate` and `baggage` from outside: any bytes, huge
//! headers, many entries, broken percent-encoding, text that is not UTF-8.

use http::{HeaderMap, HeaderValue};
use llm_trace::opentelemetry::baggage::BaggageExt;
use llm_trace::opentelemetry::trace::TraceContextExt;
use llm_trace::opentelemetry::{Context, KeyValue};
use llm_trace::propagation::{self, MAX_BAGGAGE_BYTES, MAX_BAGGAGE_ENTRIES};
use llm_trace_testkit::hostile;
use proptest::prelude::*;

use crate::{cases, corpus};

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

fn header(value: impl Into<Vec<u8>>) -> HeaderValue {
    HeaderValue::from_bytes(&value.into()).expect("a valid header value")
}

/// Pieces hostile headers are built from: valid and broken escapes, bytes
/// that are not UTF-8, separators, properties.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,12}".prop_map(String::into_bytes),
        Just(b"%20".to_vec()),
        Just(b"%FF".to_vec()),
        Just(b"%E2%82".to_vec()),
        Just(b"%".to_vec()),
        Just(b"%G1".to_vec()),
        Just(b"%C3%A9".to_vec()),
        Just(vec![0xff, 0xfe]),
        Just(vec![0xc3, 0x28]),
        Just(b"=".to_vec()),
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"@".to_vec()),
        Just(TRACEPARENT.as_bytes().to_vec()),
        "[0-9a-f]{1,32}".prop_map(String::into_bytes),
        Just(b"-".to_vec()),
        prop::collection::vec(0x20u8..=0xff, 0..8)
            .prop_map(|v| v.into_iter().filter(|&b| b != 0x7f).collect()),
    ]
}

fn hostile_value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
}

fn hostile_headers() -> impl Strategy<Value = HeaderMap> {
    let name = prop::sample::select(vec!["traceparent", "tracestate", "baggage", "Baggage"]);
    prop::collection::vec((name, hostile_value()), 0..6).prop_map(|entries| {
        let mut headers = HeaderMap::new();
        for (name, value) in entries {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                headers.append(name, value);
            }
        }
        headers
    })
}

#[test]
fn every_seed_holds() {
    for (name, bytes) in corpus("propagation") {
        let headers = hostile::headers_from_text(&bytes);
        assert!(!headers.is_empty(), "{name} gives no header");
        hostile::headers(&headers);
    }
}

#[test]
fn one_megabyte_headers_are_ignored_whole() {
    let mb = 1 << 20;
    let before = propagation::dropped_headers();
    let mut headers = HeaderMap::new();
    headers.insert(
        "traceparent",
        header(format!("{TRACEPARENT}{}", "0".repeat(mb))),
    );
    headers.insert("tracestate", header(format!("a={}", "b".repeat(mb))));
    headers.insert("baggage", header(format!("k={}", "v".repeat(mb))));
    let cx = propagation::extract(&headers);
    assert!(!cx.has_active_span());
    assert_eq!(cx.baggage().len(), 0);
    assert!(propagation::dropped_headers() >= before + 3);
    hostile::headers(&headers);

    // A valid parent next to a 1 MB tracestate: the parent is kept.
    headers.insert("traceparent", header(TRACEPARENT));
    let cx = propagation::extract(&headers);
    assert_eq!(
        cx.span().span_context().trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    assert_eq!(cx.span().span_context().trace_state().header(), "");
    hostile::headers(&headers);
}

#[test]
fn ten_thousand_entries_in_one_header_or_in_ten_thousand_headers() {
    let entries: Vec<String> = (0..10_000).map(|i| format!("k{i}=v")).collect();
    let mut one = HeaderMap::new();
    one.insert("baggage", header(entries.join(",")));
    one.insert("tracestate", header(entries.join(",")));
    one.insert("traceparent", header(TRACEPARENT));
    let cx = propagation::extract(&one);
    assert_eq!(cx.baggage().len(), 0, "over the byte limit: ignored whole");
    hostile::headers(&one);

    let mut many = HeaderMap::new();
    for entry in &entries {
        many.append("baggage", header(entry.as_str()));
        many.append("tracestate", header(entry.replace('k', "t")));
        many.append("traceparent", header(TRACEPARENT));
    }
    let cx = propagation::extract(&many);
    assert!(!cx.has_active_span(), "a repeated traceparent is ignored");
    assert_eq!(cx.baggage().len(), 0);
    hostile::headers(&many);

    // Within the byte limit, only the first MAX_BAGGAGE_ENTRIES are kept.
    let mut short = HeaderMap::new();
    short.insert(
        "baggage",
        header(entries[..1500].join(",")[..MAX_BAGGAGE_BYTES].to_owned()),
    );
    let cx = propagation::extract(&short);
    assert_eq!(cx.baggage().len(), MAX_BAGGAGE_ENTRIES);
    hostile::headers(&short);
}

#[test]
fn broken_percent_encoding_drops_only_the_broken_entries() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "baggage",
        header("ok=1,bad=%FF,cut=%E2%82,pct=%,hex=%G1,sp=a%20b"),
    );
    let cx = propagation::extract(&headers);
    let baggage = cx.baggage();
    assert_eq!(baggage.get("ok").map(|v| v.as_str()), Some("1"));
    assert_eq!(baggage.get("sp").map(|v| v.as_str()), Some("a b"));
    assert_eq!(baggage.get("bad"), None);
    assert_eq!(baggage.get("cut"), None);
    hostile::headers(&headers);
}

#[test]
fn header_values_that_are_not_utf8_are_ignored() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "traceparent",
        header([TRACEPARENT.as_bytes(), &[0xff]].concat()),
    );
    headers.insert("baggage", header(b"k=\xc3\x28".to_vec()));
    headers.insert("tracestate", header(b"a=\xfe".to_vec()));
    let cx = propagation::extract(&headers);
    assert!(!cx.has_active_span());
    assert_eq!(cx.baggage().len(), 0);
    hostile::headers(&headers);
}

/// Found by the fuzzer: an entry whose property decodes to a control
/// character is read and forwarded with the property encoded as it came.
#[test]
fn a_property_is_forwarded_encoded_as_it_came() {
    let mut headers = HeaderMap::new();
    headers.insert("baggage", header("ok=1,bad=k;prop%12=x"));
    let cx = propagation::extract(&headers);
    assert_eq!(cx.baggage().len(), 2);
    let mut outgoing = HeaderMap::new();
    propagation::inject_context(&cx, &mut outgoing);
    let sent = outgoing["baggage"].to_str().unwrap();
    let mut entries: Vec<_> = sent.split(',').collect();
    entries.sort();
    assert_eq!(entries, ["bad=k;prop%12=x", "ok=1"]);
    hostile::headers(&headers);
}

/// Found by the fuzzer (CI): the SDK reads a property's `%2C` as `,` and
/// wrote it back as it read it, so the next hop split the entry there and
/// read a new entry, `smuggled=acme`, that the caller never sent as one.
#[test]
fn a_comma_in_a_property_does_not_start_an_entry_at_the_next_hop() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "baggage",
        header("user=et;note=a%2Csmuggled=acme,tenant=acme"),
    );
    let cx = propagation::extract(&headers);
    assert_eq!(cx.baggage().len(), 2);
    let (_, metadata) = cx.baggage().get_with_metadata("user").unwrap();
    assert_eq!(metadata.as_str(), "note=a,smuggled=acme");
    let mut outgoing = HeaderMap::new();
    propagation::inject_context(&cx, &mut outgoing);
    let next = propagation::extract(&outgoing);
    let mut keys: Vec<_> = next
        .baggage()
        .iter()
        .map(|(k, _)| k.as_str().to_owned())
        .collect();
    keys.sort();
    assert_eq!(keys, ["tenant", "user"]);
    let (value, metadata) = next.baggage().get_with_metadata("user").unwrap();
    assert_eq!(value.as_str(), "et");
    assert_eq!(metadata.as_str(), "note=a,smuggled=acme");
    hostile::headers(&headers);
}

/// Found by the fuzzer: the SDK does not escape `%` when it writes baggage,
/// so a value holding `%03` (sent to us as `%2503`) reached the next hop as
/// a control character, and `%41` as `A`.
#[test]
fn a_percent_in_a_value_reaches_the_next_hop_unchanged() {
    let mut headers = HeaderMap::new();
    headers.insert("baggage", header("code=et%2503,off=50%25%20off"));
    let cx = propagation::extract(&headers);
    assert_eq!(cx.baggage().get("code").map(|v| v.as_str()), Some("et%03"));
    let mut outgoing = HeaderMap::new();
    propagation::inject_context(&cx, &mut outgoing);
    let next = propagation::extract(&outgoing);
    assert_eq!(
        next.baggage().get("code").map(|v| v.as_str()),
        Some("et%03")
    );
    assert_eq!(
        next.baggage().get("off").map(|v| v.as_str()),
        Some("50% off")
    );

    let local = Context::new().with_baggage([KeyValue::new("q", "%41 100%")]);
    let mut outgoing = HeaderMap::new();
    propagation::inject_context(&local, &mut outgoing);
    assert_eq!(outgoing["baggage"], "q=%2541%20100%25");
    let next = propagation::extract(&outgoing);
    assert_eq!(
        next.baggage().get("q").map(|v| v.as_str()),
        Some("%41 100%")
    );
    hostile::headers(&headers);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(192)))]

    #[test]
    fn any_header_bytes_hold(text in prop::collection::vec(any::<u8>(), 0..600)) {
        hostile::headers(&hostile::headers_from_text(&text));
    }

    #[test]
    fn hostile_header_pieces_hold(headers in hostile_headers()) {
        hostile::headers(&headers);
    }

    /// Whatever baggage the process holds, what `inject` sends is within
    /// the W3C limits and reads back as a subset of it.
    #[test]
    fn any_outgoing_baggage_is_sent_within_the_limits(
        entries in prop::collection::vec((".{0,16}", prop_oneof![".{0,32}", (0usize..9000).prop_map(|n| "v".repeat(n))]), 0..120),
    ) {
        let cx = Context::new().with_baggage(entries.into_iter().map(|(k, v)| KeyValue::new(k, v)));
        let mut headers = HeaderMap::new();
        propagation::inject_context(&cx, &mut headers);
        if let Some(sent) = headers.get("baggage") {
            prop_assert!(sent.len() <= MAX_BAGGAGE_BYTES);
            let back = propagation::extract(&headers);
            prop_assert!(back.baggage().len() <= MAX_BAGGAGE_ENTRIES);
            // Values arrive as W3C Baggage reads them: surrounding
            // whitespace trimmed.
            for (key, (value, _)) in back.baggage() {
                let sent = cx.baggage().get(key.as_str()).map(|v| v.as_str().trim());
                prop_assert_eq!(sent, Some(value.as_str()));
            }
        }
    }
}
