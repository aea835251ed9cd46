//! Providers that serve OpenAI's Chat Completions format under their own
//! name: the types and raw-JSON support of [`openai`](super::openai) apply,
//! with the provider's `gen_ai.provider.name` and server.
//!
//! Usage fields they add are read too: DeepSeek's `prompt_cache_hit_tokens`
//! becomes `gen_ai.usage.cache_read.input_tokens`. A server not listed here
//! takes `#[llm_call(provider = openai_compatible("name"))]`.

use super::openai::OpenAiCompatible;
use super::vendor;

vendor! {
    /// DeepSeek (`deepseek`); its context-cache hits count as cache reads.
    DeepSeek { name: "deepseek", operation: "chat", server: "api.deepseek.com", port: 443 }
    speaks OpenAiCompatible {}
}

vendor! {
    /// Groq (`groq`).
    Groq { name: "groq", operation: "chat", server: "api.groq.com", port: 443 }
    speaks OpenAiCompatible {}
}

vendor! {
    /// xAI (`x_ai`); its `completion_tokens` leave out the reasoning
    /// tokens, which are added to the output tokens.
    XAi { name: "x_ai", operation: "chat", server: "api.x.ai", port: 443 }
    speaks OpenAiCompatible {
        const COMPLETION_INCLUDES_REASONING: bool = false;
    }
}

vendor! {
    /// Mistral AI (`mistral_ai`), whose chat API has the Chat Completions shape.
    MistralAi { name: "mistral_ai", operation: "chat", server: "api.mistral.ai", port: 443 }
    speaks OpenAiCompatible {}
}

vendor! {
    /// Perplexity (`perplexity`).
    Perplexity { name: "perplexity", operation: "chat", server: "api.perplexity.ai", port: 443 }
    speaks OpenAiCompatible {}
}

vendor! {
    /// OpenRouter (`openrouter`, not a name the conventions list).
    OpenRouter { name: "openrouter", operation: "chat", server: "openrouter.ai", port: 443 }
    speaks OpenAiCompatible {}
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::provider::openai::ChatCompletion;
    use crate::provider::Provider;
    use crate::provider::{ResponseFacts, Usage};

    #[test]
    fn deepseek_cache_hits_are_cache_reads_in_raw_and_typed_bodies() {
        let body = json!({
            "id": "b1", "model": "deepseek-chat",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129,
                      "prompt_cache_hit_tokens": 100, "prompt_cache_miss_tokens": 20}
        });
        let expected = Usage {
            input_tokens: Some(120),
            output_tokens: Some(9),
            cache_read_input_tokens: Some(100),
            ..Usage::default()
        };
        assert_eq!(ResponseFacts::<DeepSeek>::usage(&body), Some(expected));
        let typed: ChatCompletion = serde_json::from_value(body).unwrap();
        assert_eq!(ResponseFacts::<DeepSeek>::usage(&typed), Some(expected));
        assert_eq!(
            ResponseFacts::<DeepSeek>::response_info(&typed).finish_reasons,
            ["stop"]
        );
    }

    #[test]
    fn names_are_the_conventions() {
        assert_eq!(
            [
                DeepSeek::NAME,
                Groq::NAME,
                XAi::NAME,
                MistralAi::NAME,
                Perplexity::NAME
            ],
            ["deepseek", "groq", "x_ai", "mistral_ai", "perplexity"]
        );
    }
}
