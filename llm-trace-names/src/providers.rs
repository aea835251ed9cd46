//! The built-in providers: what `#[llm_call(provider = "...")]` accepts and
//! what each one exports.

use crate::operations::{CHAT, GENERATE_CONTENT};

/// One built-in provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinProvider {
    /// The string written in `#[llm_call(provider = "...")]`.
    pub written: &'static str,
    /// Its `gen_ai.provider.name`.
    pub name: &'static str,
    /// The runtime type's name (`llm_trace::provider::OpenAi`, ...).
    pub type_name: &'static str,
    /// The `gen_ai.operation.name` of a call that names no operation.
    pub default_operation: &'static str,
}

const fn provider(
    written: &'static str,
    type_name: &'static str,
    default_operation: &'static str,
) -> BuiltinProvider {
    BuiltinProvider {
        written,
        name: written,
        type_name,
        default_operation,
    }
}

/// Every built-in provider, in the order messages list them.
pub const PROVIDERS: [BuiltinProvider; 14] = [
    provider("openai", "OpenAi", CHAT),
    provider("anthropic", "Anthropic", CHAT),
    provider("deepseek", "DeepSeek", CHAT),
    provider("groq", "Groq", CHAT),
    provider("x_ai", "XAi", CHAT),
    provider("mistral_ai", "MistralAi", CHAT),
    provider("perplexity", "Perplexity", CHAT),
    // Not a name the conventions list.
    provider("openrouter", "OpenRouter", CHAT),
    provider("azure.ai.openai", "AzureOpenAi", CHAT),
    provider("aws.bedrock", "Bedrock", CHAT),
    provider("cohere", "Cohere", CHAT),
    provider("ollama", "Ollama", CHAT),
    provider("gcp.gemini", "Gemini", GENERATE_CONTENT),
    provider("gcp.vertex_ai", "VertexAi", GENERATE_CONTENT),
];

/// The `gen_ai.provider.name` of every built-in provider, in table order.
pub const NAMES: [&str; PROVIDERS.len()] = {
    let mut names = [""; PROVIDERS.len()];
    let mut i = 0;
    while i < PROVIDERS.len() {
        names[i] = PROVIDERS[i].name;
        i += 1;
    }
    names
};

/// The built-in provider written `written` in `provider = "..."`.
pub fn by_written(written: &str) -> Option<&'static BuiltinProvider> {
    PROVIDERS.iter().find(|p| p.written == written)
}

/// The built-in provider whose `gen_ai.provider.name` is `name`.
pub fn by_name(name: &str) -> Option<&'static BuiltinProvider> {
    PROVIDERS.iter().find(|p| p.name == name)
}
