//! The table checked once: every name well formed, none twice, every
//! provider's default operation a known operation.

extern crate std;

use std::collections::HashSet;
use std::vec::Vec;

use crate::keys::{self, ATTRIBUTES, EVENTS, METRICS};
use crate::operations::{self, ALL, MODEL_OPERATIONS};
use crate::providers::{self, NAMES, PROVIDERS};

/// A dotted name of lowercase snake_case segments (`gen_ai.usage.input_tokens`).
fn is_dotted_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|segment| {
            segment.starts_with(|c: char| c.is_ascii_lowercase())
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !segment.ends_with('_')
        })
}

fn assert_unique<'a>(what: &str, names: impl IntoIterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for name in names {
        assert!(seen.insert(name), "{what} `{name}` appears twice");
    }
}

#[test]
fn every_key_metric_and_event_name_is_well_formed_and_appears_once() {
    let all: Vec<&str> = ATTRIBUTES
        .iter()
        .chain(METRICS)
        .chain(EVENTS)
        .copied()
        .collect();
    assert!(ATTRIBUTES.len() >= 60, "{}", ATTRIBUTES.len());
    for name in &all {
        assert!(
            is_dotted_name(name),
            "`{name}` is not a dotted snake_case name"
        );
        assert!(name.contains('.'), "`{name}` has no namespace");
    }
    assert_unique("name", all.iter().copied());
    let prefix = keys::GEN_AI_PROMPT_VARIABLE_PREFIX;
    let stem = prefix.strip_suffix('.').unwrap();
    assert!(is_dotted_name(stem) && !all.contains(&stem), "{prefix}");
}

#[test]
fn the_validity_rule_rejects_malformed_names() {
    for bad in [
        "",
        "gen_ai..model",
        "gen_ai.Model",
        "gen_ai.model.",
        ".gen_ai",
        "gen-ai.model",
        "gen_ai.1st",
        "gen_ai.model_",
        "gen_ai. model",
    ] {
        assert!(!is_dotted_name(bad), "{bad:?}");
    }
    assert!(is_dotted_name("gen_ai.usage.cache_read.input_tokens"));
}

#[test]
fn operations_are_well_formed_and_appear_once() {
    assert_unique("operation", ALL);
    for operation in ALL {
        assert!(
            is_dotted_name(operation) && !operation.contains('.'),
            "{operation}"
        );
    }
    for operation in MODEL_OPERATIONS {
        assert!(ALL.contains(&operation), "{operation}");
        assert!(operations::is_model_operation(operation));
        assert!(!operations::is_providerless(operation));
    }
    assert!(!operations::is_model_operation(operations::INVOKE_WORKFLOW));
    assert!(operations::is_providerless(operations::EXECUTE_TOOL));
    assert!(operations::is_providerless(operations::INVOKE_AGENT));
}

#[test]
fn every_provider_appears_once_with_a_known_default_operation() {
    assert_unique("provider string", PROVIDERS.iter().map(|p| p.written));
    assert_unique("provider name", PROVIDERS.iter().map(|p| p.name));
    assert_unique("provider type", PROVIDERS.iter().map(|p| p.type_name));
    for p in &PROVIDERS {
        assert!(
            MODEL_OPERATIONS.contains(&p.default_operation),
            "{}: default operation {}",
            p.written,
            p.default_operation
        );
        assert!(is_dotted_name(p.name), "{}", p.name);
        assert!(
            p.type_name.starts_with(|c: char| c.is_ascii_uppercase())
                && p.type_name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{}",
            p.type_name
        );
        assert_eq!(providers::by_written(p.written), Some(p));
        assert_eq!(providers::by_name(p.name), Some(p));
    }
    assert_eq!(
        NAMES.to_vec(),
        PROVIDERS.iter().map(|p| p.name).collect::<Vec<_>>()
    );
    assert_eq!(providers::by_written("opnai"), None);
}

/// The names the conventions list for these providers: a typo in the table
/// would export a provider name no backend recognizes.
#[test]
fn provider_names_are_the_conventions_ones() {
    for (written, name, default_operation) in [
        ("openai", "openai", "chat"),
        ("anthropic", "anthropic", "chat"),
        ("groq", "groq", "chat"),
        ("x_ai", "x_ai", "chat"),
        ("openrouter", "openrouter", "chat"),
        ("azure.ai.openai", "azure.ai.openai", "chat"),
        ("aws.bedrock", "aws.bedrock", "chat"),
        ("gcp.gemini", "gcp.gemini", "generate_content"),
        ("gcp.vertex_ai", "gcp.vertex_ai", "generate_content"),
    ] {
        let p = providers::by_written(written).unwrap();
        assert_eq!((p.name, p.default_operation), (name, default_operation));
    }
}
