//! Streamed responses: raw bytes split anywhere and each provider's chunks
//! (`llm_trace_testkit::hostile::stream_bytes`).

use llm_trace_testkit::hostile;
use proptest::prelude::*;

use crate::{cases, corpus};

#[test]
fn every_seed_holds() {
    let seeds = corpus("stream_chunks");
    assert!(seeds.len() >= 6, "the stream corpus is there");
    for (name, bytes) in seeds {
        // Every split seed over every seed body.
        for seed in 0..=u8::MAX {
            let mut input = bytes.clone();
            input[0] = seed;
            let run = std::panic::catch_unwind(|| hostile::stream_bytes(&input));
            assert!(run.is_ok(), "{name} with split seed {seed}");
        }
    }
}

/// Pieces of real events, mixed with noise: the framing bytes the decoder
/// looks at, JSON fragments, and arbitrary bytes.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"event: message_delta\n".to_vec()),
        Just(b": keep-alive\n".to_vec()),
        Just(b"[DONE]".to_vec()),
        Just(br#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}"#.to_vec()),
        Just(br#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}"#.to_vec()),
        Just(br#"{"candidates":[{"index":7,"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":-1}}"#.to_vec()),
        Just(br#"{"metadata":{"usage":{"inputTokens":1e30}}}"#.to_vec()),
        Just(br#"{"done":true,"eval_count":"9"}"#.to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn any_bytes_split_anywhere_hold(data in prop::collection::vec(any::<u8>(), 0..400)) {
        hostile::stream_bytes(&data);
    }

    #[test]
    fn event_pieces_split_anywhere_hold(
        seed in any::<u8>(),
        pieces in prop::collection::vec(piece(), 0..30),
    ) {
        let mut data = vec![seed];
        data.extend(pieces.concat());
        hostile::stream_bytes(&data);
    }
}
