use serde_json::{json, Value};

use super::bound::{bound, marker, KEEP};
use super::*;

#[test]
fn the_four_modes_parse_in_any_case_with_spaces() {
    for (text, mode) in [
        ("NO_CONTENT", CaptureMode::NoContent),
        ("SPAN_ONLY", CaptureMode::SpanOnly),
        ("EVENT_ONLY", CaptureMode::EventOnly),
        ("SPAN_AND_EVENT", CaptureMode::SpanAndEvent),
        ("span_only", CaptureMode::SpanOnly),
        (" Span_And_Event\n", CaptureMode::SpanAndEvent),
        ("", CaptureMode::NoContent),
        ("   ", CaptureMode::NoContent),
    ] {
        assert_eq!(CaptureMode::parse(text), Ok(mode), "{text:?}");
        assert_eq!(text.parse::<CaptureMode>(), Ok(mode), "{text:?}");
    }
    for mode in [
        CaptureMode::NoContent,
        CaptureMode::SpanOnly,
        CaptureMode::EventOnly,
        CaptureMode::SpanAndEvent,
    ] {
        assert_eq!(CaptureMode::parse(mode.as_str()), Ok(mode));
    }
}

#[test]
fn legacy_booleans_parse_and_anything_else_is_an_error() {
    assert_eq!(CaptureMode::parse("true"), Ok(CaptureMode::SpanAndEvent));
    assert_eq!(CaptureMode::parse("False"), Ok(CaptureMode::NoContent));
    for bad in ["1", "yes", "span", "SPAN-ONLY", "spans"] {
        let err = CaptureMode::parse(bad).unwrap_err();
        assert_eq!(err, InvalidCaptureMode(bad.to_owned()));
        assert_eq!(
            err.to_string(),
            format!(
                "invalid capture mode {bad:?}: expected NO_CONTENT, SPAN_ONLY, EVENT_ONLY or \
                 SPAN_AND_EVENT (any case), or true/false"
            )
        );
    }
}

#[test]
fn which_modes_go_where() {
    let modes = [
        CaptureMode::NoContent,
        CaptureMode::SpanOnly,
        CaptureMode::EventOnly,
        CaptureMode::SpanAndEvent,
    ];
    assert_eq!(
        modes.map(|m| (m.on_span(), m.on_event())),
        [(false, false), (true, false), (false, true), (true, true)]
    );
}

#[test]
fn a_value_within_the_bound_is_untouched() {
    let mut value = json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]);
    let original = value.clone();
    let json = bound(ContentKind::InputMessages, &mut value, 1024);
    assert_eq!(json, serde_json::to_string(&original).unwrap());
    assert_eq!(value, original);
}

#[test]
fn long_strings_are_cut_with_a_marker_and_the_json_stays_valid() {
    let long = "a".repeat(10_000);
    let mut value = json!([
        {"role": "system", "parts": [{"type": "text", "content": "short system prompt"}]},
        {"role": "user", "parts": [{"type": "text", "content": long}]}
    ]);
    let json = bound(ContentKind::InputMessages, &mut value, 1000);
    assert!(json.len() <= 1000, "{}", json.len());
    let parsed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, value);
    // Short strings (roles, types, the short text) are never cut.
    assert_eq!(value[0]["parts"][0]["content"], "short system prompt");
    assert_eq!(value[1]["role"], "user");
    let cut = value[1]["parts"][0]["content"].as_str().unwrap();
    let kept = cut.len() - marker(10_000 - cut.find('…').unwrap()).len();
    assert!(cut.starts_with(&"a".repeat(kept)));
    assert!(
        cut.ends_with(&format!("…[truncated {} bytes]", 10_000 - kept)),
        "{cut}"
    );
    // As much as the bound allows is kept: close to it, not far below.
    assert!(json.len() > 900, "{}", json.len());
}

#[test]
fn cuts_fall_on_character_boundaries() {
    let mut value = json!([{"type": "text", "content": "é".repeat(3000)}]);
    let json = bound(ContentKind::SystemInstructions, &mut value, 500);
    assert!(json.len() <= 500);
    let text = value[0]["content"].as_str().unwrap();
    let kept = text.split('…').next().unwrap();
    assert!(kept.chars().all(|c| c == 'é'));
    assert!(!kept.is_empty());
}

#[test]
fn too_many_entries_are_dropped_from_the_end_with_one_entry_that_says_so() {
    let messages: Vec<Value> = (0..200)
        .map(|i| json!({"role": "user", "parts": [{"type": "text", "content": format!("message {i}")}]}))
        .collect();
    let mut value = Value::Array(messages);
    let json = bound(ContentKind::InputMessages, &mut value, 1024);
    assert!(json.len() <= 1024, "{}", json.len());
    let items = value.as_array().unwrap();
    let kept = items.len() - 1;
    assert!(kept > 5, "{kept}");
    assert_eq!(items[0]["parts"][0]["content"], "message 0");
    assert_eq!(
        items[kept - 1]["parts"][0]["content"],
        format!("message {}", kept - 1)
    );
    assert_eq!(
        items[kept],
        json!({"role": "llm_trace.truncated", "parts": [
            {"type": "text", "content": format!("…[truncated: {} more entries]", 200 - kept)}
        ]})
    );
    // One more entry would not have fitted.
    let mut one_more = items[..kept].to_vec();
    one_more.push(
        json!({"role": "user", "parts": [{"type": "text", "content": format!("message {kept}")}]}),
    );
    one_more.push(items[kept].clone());
    assert!(serde_json::to_string(&one_more).unwrap().len() > 1024);
}

#[test]
fn the_marker_entry_has_the_shape_of_each_kind() {
    let tools: Vec<Value> = (0..100)
        .map(|i| json!({"type": "function", "name": format!("tool_{i}")}))
        .collect();
    let mut value = Value::Array(tools);
    bound(ContentKind::ToolDefinitions, &mut value, 300);
    let last = value.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "llm_trace.truncated");
    assert!(last["name"].as_str().unwrap().starts_with("…[truncated: "));
}

#[test]
fn strings_of_keep_bytes_or_fewer_are_never_cut() {
    let exact = "k".repeat(KEEP);
    let mut all = Value::Array(vec![json!({"type": "text", "content": exact}); 50]);
    bound(ContentKind::SystemInstructions, &mut all, 400);
    let items = all.as_array().unwrap();
    let (last, kept) = items.split_last().unwrap();
    assert!(!kept.is_empty());
    assert!(kept.iter().all(|item| item["content"] == exact.as_str()));
    assert!(last["content"]
        .as_str()
        .unwrap()
        .starts_with("…[truncated: "));
}

#[test]
fn the_accumulator_assembles_choices_in_order() {
    let mut output = OutputAccumulator::with_max_bytes(1024);
    output.role(1, "assistant");
    output.text(1, "second ");
    output.reasoning(0, "think");
    output.text(0, "first");
    output.text(1, "choice");
    output.tool_call(0, 1, Some("call_b"), Some("b"), "{}");
    output.tool_call(0, 0, Some("call_a"), Some("a"), "{\"x\":");
    output.tool_call(0, 0, None, None, "1}");
    output.finish_reason(0, "tool_calls");
    output.finish_reason(1, "length");
    assert!(!output.is_empty());
    let messages = serde_json::to_value(output.finish()).unwrap();
    assert_eq!(
        messages,
        json!([
            {"role": "assistant", "parts": [
                {"type": "reasoning", "content": "think"},
                {"type": "text", "content": "first"},
                {"type": "tool_call", "id": "call_a", "name": "a", "arguments": {"x": 1}},
                {"type": "tool_call", "id": "call_b", "name": "b", "arguments": {}}
            ], "finish_reason": "tool_call"},
            {"role": "assistant", "parts": [{"type": "text", "content": "second choice"}],
             "finish_reason": "length"}
        ])
    );
}

#[test]
fn the_accumulator_keeps_its_bound_and_counts_the_rest() {
    let mut output = OutputAccumulator::with_max_bytes(10);
    output.text(0, "0123456");
    output.text(0, "789abcdef");
    output.text(0, "ghij");
    let messages = output.finish();
    assert_eq!(
        messages[0].parts,
        [Part::text("0123456789…[truncated 10 bytes]")]
    );
    assert_eq!(messages[0].finish_reason, None);
}

#[test]
fn the_accumulator_ignores_absurd_indexes_and_keeps_unparsable_arguments_as_text() {
    let mut output = OutputAccumulator::with_max_bytes(1024);
    output.text(usize::MAX, "x");
    output.tool_call(0, 1_000_000, Some("c"), Some("n"), "{}");
    assert!(!output.is_empty());
    output.tool_call(0, 0, Some("c"), Some("n"), "{\"cut");
    let messages = serde_json::to_value(output.finish()).unwrap();
    assert_eq!(
        messages,
        json!([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "c", "name": "n", "arguments": "{\"cut"}
        ]}])
    );
    assert!(OutputAccumulator::with_max_bytes(8).is_empty());
}

#[test]
fn finish_reasons_normalize_to_the_conventions_values() {
    for (given, normal) in [
        ("stop", "stop"),
        ("end_turn", "stop"),
        ("STOP", "stop"),
        ("COMPLETE", "stop"),
        ("stop_sequence", "stop"),
        ("length", "length"),
        ("max_tokens", "length"),
        ("MAX_TOKENS", "length"),
        ("max_output_tokens", "length"),
        ("tool_calls", "tool_call"),
        ("tool_use", "tool_call"),
        ("TOOL_CALL", "tool_call"),
        ("content_filter", "content_filter"),
        ("SAFETY", "content_filter"),
        ("guardrail_intervened", "content_filter"),
        ("refusal", "content_filter"),
        ("ERROR", "error"),
        ("pause_turn", "pause_turn"),
    ] {
        assert_eq!(normalize_finish_reason(given), normal, "{given}");
    }
}

#[test]
fn parts_serialize_in_the_conventions_shape() {
    let parts = vec![
        Part::text("t"),
        Part::reasoning("r"),
        Part::tool_call_text(Some("c1".into()), "f", "{\"a\":1}"),
        Part::tool_call_text(None, "g", ""),
        Part::tool_call_response(Some("c1".into()), json!("ok")),
        Part::from_url("data:image/png;base64,iVBOR", None),
        Part::from_url("https://x/y.png", Some("image")),
        Part::File {
            mime_type: None,
            modality: "document".into(),
            file_id: "file-1".into(),
        },
        Part::other("executableCode", serde_json::Map::new()),
    ];
    assert_eq!(
        serde_json::to_value(parts).unwrap(),
        json!([
            {"type": "text", "content": "t"},
            {"type": "reasoning", "content": "r"},
            {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": 1}},
            {"type": "tool_call", "name": "g"},
            {"type": "tool_call_response", "id": "c1", "response": "ok"},
            {"type": "blob", "mime_type": "image/png", "modality": "image", "content": "iVBOR"},
            {"type": "uri", "modality": "image", "uri": "https://x/y.png"},
            {"type": "file", "modality": "document", "file_id": "file-1"},
            {"type": "executableCode"}
        ])
    );
}

#[test]
fn for_each_string_visits_values_not_keys() {
    let mut value = json!({"secret": "a", "list": ["b", {"k": "c"}], "n": 1});
    let mut seen = Vec::new();
    for_each_string(&mut value, |s| {
        seen.push(s.clone());
        s.make_ascii_uppercase();
    });
    seen.sort();
    assert_eq!(seen, ["a", "b", "c"]);
    assert_eq!(
        value,
        json!({"secret": "A", "list": ["B", {"k": "C"}], "n": 1})
    );
}
