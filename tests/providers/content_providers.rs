//! Each built-in provider's request and response bodies in the conventions'
//! content model, exactly: `gen_ai.input.messages`,
//! `gen_ai.system_instructions`, `gen_ai.tool.definitions` (details
//! included here; capture drops them by default) and
//! `gen_ai.output.messages`. Bodies follow each provider's API reference.

use llm_trace::content::RequestContent;
use llm_trace::provider::{self, Bedrock, Cohere, Gemini, Ollama, OpenAi, RequestFacts};
use llm_trace::provider::{ResponseFacts, VertexAi};
use serde_json::{json, Value};

/// The request content of a raw body, as the JSON of its three attributes.
fn request(provider: &str, body: Value) -> Value {
    let content = provider::parse_request_content(provider, &body)
        .unwrap()
        .expect("content");
    request_json(content)
}

fn request_json(content: RequestContent) -> Value {
    json!({
        "input": serde_json::to_value(content.input_messages).unwrap(),
        "system": serde_json::to_value(content.system_instructions).unwrap(),
        "tools": serde_json::to_value(content.tool_definitions).unwrap(),
    })
}

fn output(provider: &str, body: Value) -> Value {
    let messages = provider::parse_output_messages(provider, &body)
        .unwrap()
        .expect("output messages");
    serde_json::to_value(messages).unwrap()
}

fn text(content: &str) -> Value {
    json!({"type": "text", "content": content})
}

#[test]
fn openai_chat_completions() {
    let body = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {"role": "user", "name": "ana", "content": [
                {"type": "text", "text": "What is in this image?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_id": "file-abc"}}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "a cat"}
        ],
        "tools": [
            {"type": "function", "function": {"name": "lookup", "description": "Search",
             "parameters": {"type": "object"}}},
            {"type": "custom", "custom": {"name": "sql", "description": "Free-form SQL"}}
        ]
    });
    assert_eq!(
        request("openai", body),
        json!({
            "input": [
                {"role": "developer", "parts": [text("Be terse.")]},
                {"role": "user", "name": "ana", "parts": [
                    text("What is in this image?"),
                    {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
                    {"type": "blob", "mime_type": "image/jpeg", "modality": "image", "content": "/9j/4AAQ"},
                    {"type": "blob", "mime_type": "audio/wav", "modality": "audio", "content": "UklGRg=="},
                    {"type": "file", "modality": "document", "file_id": "file-abc"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"q": "cat"}}
                ]},
                {"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "call_1", "response": "a cat"}
                ]}
            ],
            "system": [],
            "tools": [
                {"type": "function", "name": "lookup", "description": "Search",
                 "parameters": {"type": "object"}},
                {"type": "custom", "name": "sql", "description": "Free-form SQL"}
            ]
        })
    );

    let response = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
        "choices": [
            {"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "call_2", "type": "function",
                                "function": {"name": "lookup", "arguments": "{\"q\":\"dog\"}"}}]}},
            {"index": 1, "finish_reason": "content_filter",
             "message": {"role": "assistant", "content": null, "refusal": "I can't help."}}
        ]
    });
    assert_eq!(
        output("openai", response),
        json!([
            {"role": "assistant", "parts": [
                {"type": "tool_call", "id": "call_2", "name": "lookup", "arguments": {"q": "dog"}}
            ], "finish_reason": "tool_call"},
            {"role": "assistant", "parts": [text("I can't help.")], "finish_reason": "content_filter"}
        ])
    );
}

#[test]
fn typed_openai_bodies_give_the_same_content_as_raw_ones() {
    use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
    let typed = ChatRequest::new(
        "gpt-4o",
        vec![ChatMessage::system("Be terse."), ChatMessage::user("Hi")],
    );
    let raw = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        request_json(RequestFacts::<OpenAi>::request_content(&typed).unwrap()),
        request("openai", raw)
    );
    let body = json!({"id": "c", "model": "m", "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello"}}
    ]});
    let completion: ChatCompletion = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(ResponseFacts::<OpenAi>::output_messages(&completion).unwrap())
            .unwrap(),
        output("openai", body)
    );
}

#[test]
fn openai_compatible_reasoning_content_is_a_reasoning_part() {
    let response = json!({
        "id": "x", "model": "deepseek-reasoner",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "reasoning_content": "2+2 is 4", "content": "4"}}]
    });
    assert_eq!(
        output("deepseek", response),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "2+2 is 4"}, text("4")
        ], "finish_reason": "stop"}])
    );
}

#[test]
fn openai_responses() {
    let body = json!({
        "model": "gpt-4.1",
        "instructions": "You are a travel agent.",
        "input": [
            {"role": "user", "content": [
                {"type": "input_text", "text": "Book Paris"},
                {"type": "input_image", "image_url": "https://example.com/map.png"},
                {"type": "input_file", "file_id": "file-1"}
            ]},
            {"type": "function_call", "call_id": "call_9", "name": "book",
             "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_9", "output": "booked"},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "Done."}
            ]}
        ],
        "tools": [
            {"type": "function", "name": "book", "description": "Books a trip",
             "parameters": {"type": "object"}},
            {"type": "web_search"}
        ]
    });
    assert_eq!(
        request("openai", body),
        json!({
            "input": [
                {"role": "user", "parts": [
                    text("Book Paris"),
                    {"type": "uri", "modality": "image", "uri": "https://example.com/map.png"},
                    {"type": "file", "modality": "document", "file_id": "file-1"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "tool_call", "id": "call_9", "name": "book", "arguments": {"city": "Paris"}}
                ]},
                {"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "call_9", "response": "booked"}
                ]},
                {"role": "assistant", "parts": [text("Done.")]}
            ],
            "system": [text("You are a travel agent.")],
            "tools": [
                {"type": "function", "name": "book", "description": "Books a trip",
                 "parameters": {"type": "object"}},
                {"type": "web_search", "name": "web_search"}
            ]
        })
    );
    // A plain-text input is one user message.
    assert_eq!(
        request("openai", json!({"model": "gpt-4.1", "input": "Hi"}))["input"],
        json!([{"role": "user", "parts": [text("Hi")]}])
    );

    let response = json!({
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1",
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [
                {"type": "summary_text", "text": "Need to search."}]},
            {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            {"type": "message", "id": "msg_1", "role": "assistant", "content": [
                {"type": "output_text", "text": "Paris is sunny.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_10", "name": "book",
             "arguments": "{}"}
        ]
    });
    assert_eq!(
        output("openai", response),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "Need to search."},
            {"type": "server_tool_call", "id": "ws_1", "name": "web_search",
             "server_tool_call": {"type": "web_search_call", "id": "ws_1", "status": "completed"}},
            text("Paris is sunny."),
            {"type": "tool_call", "id": "call_10", "name": "book", "arguments": {}}
        ], "finish_reason": "tool_call"}])
    );
}

#[test]
fn anthropic_messages() {
    let body = json!({
        "model": "claude-sonnet-4-5", "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are a poet.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
                {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
                {"type": "text", "text": "Describe it."}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Look first.", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "zoom", "input": {"factor": 2}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1",
                 "content": [{"type": "text", "text": "zoomed"}]}
            ]}
        ],
        "tools": [
            {"name": "zoom", "description": "Zooms", "input_schema": {"type": "object"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
        ]
    });
    assert_eq!(
        request("anthropic", body),
        json!({
            "input": [
                {"role": "user", "parts": [
                    {"type": "blob", "mime_type": "image/png", "modality": "image", "content": "iVBOR"},
                    {"type": "uri", "modality": "document", "uri": "https://example.com/a.pdf"},
                    text("Describe it.")
                ]},
                {"role": "assistant", "parts": [
                    {"type": "reasoning", "content": "Look first."},
                    {"type": "tool_call", "id": "toolu_1", "name": "zoom", "arguments": {"factor": 2}}
                ]},
                {"role": "user", "parts": [
                    {"type": "tool_call_response", "id": "toolu_1", "response": "zoomed"}
                ]}
            ],
            "system": [text("You are a poet.")],
            "tools": [
                {"type": "function", "name": "zoom", "description": "Zooms",
                 "parameters": {"type": "object"}},
                {"type": "web_search_20250305", "name": "web_search"}
            ]
        })
    );
    let response = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "text", "text": "A red sky."},
            {"type": "tool_use", "id": "toolu_2", "name": "zoom", "input": {}}
        ],
        "stop_reason": "tool_use"
    });
    assert_eq!(
        output("anthropic", response),
        json!([{"role": "assistant", "parts": [
            text("A red sky."),
            {"type": "tool_call", "id": "toolu_2", "name": "zoom", "arguments": {}}
        ], "finish_reason": "tool_call"}])
    );
}

#[test]
fn gemini_generate_content() {
    let body = json!({
        "systemInstruction": {"parts": [{"text": "Answer in French."}]},
        "contents": [
            {"role": "user", "parts": [
                {"text": "What is this?"},
                {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/"}},
                {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/doc.pdf"}}
            ]},
            {"role": "model", "parts": [
                {"functionCall": {"name": "identify", "args": {"kind": "image"}}}
            ]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "identify", "response": {"label": "chat"}}}
            ]}
        ],
        "tools": [
            {"functionDeclarations": [{"name": "identify", "description": "Labels",
                                       "parameters": {"type": "OBJECT"}}]},
            {"googleSearch": {}}
        ]
    });
    let expected = json!({
        "input": [
            {"role": "user", "parts": [
                text("What is this?"),
                {"type": "blob", "mime_type": "image/jpeg", "modality": "image", "content": "/9j/"},
                {"type": "uri", "mime_type": "application/pdf", "modality": "document",
                 "uri": "gs://b/doc.pdf"}
            ]},
            {"role": "assistant", "parts": [
                {"type": "tool_call", "name": "identify", "arguments": {"kind": "image"}}
            ]},
            {"role": "user", "parts": [
                {"type": "tool_call_response", "response": {"label": "chat"}}
            ]}
        ],
        "system": [text("Answer in French.")],
        "tools": [
            {"type": "function", "name": "identify", "description": "Labels",
             "parameters": {"type": "OBJECT"}},
            {"type": "googleSearch", "name": "googleSearch"}
        ]
    });
    assert_eq!(request("gcp.gemini", body.clone()), expected);
    assert_eq!(request("gcp.vertex_ai", body.clone()), expected);
    // The typed request reads the same.
    let typed: llm_trace::provider::gemini::GenerateContentRequest =
        serde_json::from_value(body).unwrap();
    assert_eq!(
        request_json(RequestFacts::<VertexAi>::request_content(&typed).unwrap()),
        expected
    );

    let response = json!({
        "candidates": [
            {"content": {"role": "model", "parts": [
                {"text": "Thinking about it", "thought": true},
                {"text": "C'est un chat."},
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}}
            ]}, "finishReason": "STOP", "index": 0},
            {"finishReason": "SAFETY", "index": 1}
        ],
        "modelVersion": "gemini-2.5-flash"
    });
    assert_eq!(
        output("gcp.gemini", response.clone()),
        json!([
            {"role": "assistant", "parts": [
                {"type": "reasoning", "content": "Thinking about it"},
                text("C'est un chat."),
                {"type": "executableCode", "language": "PYTHON", "code": "print(1)"}
            ], "finish_reason": "stop"},
            {"role": "assistant", "parts": [], "finish_reason": "content_filter"}
        ])
    );
    let typed: llm_trace::provider::gemini::GenerateContentResponse =
        serde_json::from_value(response.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(ResponseFacts::<Gemini>::output_messages(&typed).unwrap()).unwrap(),
        output("gcp.gemini", response)
    );
}

#[test]
fn bedrock_converse() {
    let body = json!({
        "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "system": [{"text": "You are concise."}, {"cachePoint": {"type": "default"}}],
        "messages": [
            {"role": "user", "content": [
                {"text": "Read this."},
                {"image": {"format": "png", "source": {"bytes": "iVBOR"}}},
                {"document": {"format": "pdf", "name": "spec", "source": {"s3Location": {"uri": "s3://b/spec.pdf"}}}}
            ]},
            {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {"text": "Check the spec.", "signature": "s"}}},
                {"toolUse": {"toolUseId": "tooluse_1", "name": "search", "input": {"q": "spec"}}}
            ]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"hits": 3}}],
                                "status": "success"}}
            ]}
        ],
        "toolConfig": {"tools": [
            {"toolSpec": {"name": "search", "description": "Searches",
                          "inputSchema": {"json": {"type": "object"}}}}
        ]}
    });
    assert_eq!(
        request("aws.bedrock", body),
        json!({
            "input": [
                {"role": "user", "parts": [
                    text("Read this."),
                    {"type": "blob", "mime_type": "image/png", "modality": "image", "content": "iVBOR"},
                    {"type": "uri", "mime_type": "application/pdf", "modality": "document",
                     "uri": "s3://b/spec.pdf"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "reasoning", "content": "Check the spec."},
                    {"type": "tool_call", "id": "tooluse_1", "name": "search", "arguments": {"q": "spec"}}
                ]},
                {"role": "user", "parts": [
                    {"type": "tool_call_response", "id": "tooluse_1", "response": {"hits": 3}}
                ]}
            ],
            "system": [text("You are concise.")],
            "tools": [{"type": "function", "name": "search", "description": "Searches",
                       "parameters": {"type": "object"}}]
        })
    );
    let response = json!({
        "output": {"message": {"role": "assistant", "content": [{"text": "Three hits."}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 3, "totalTokens": 13}
    });
    assert_eq!(
        output("aws.bedrock", response.clone()),
        json!([{"role": "assistant", "parts": [text("Three hits.")], "finish_reason": "stop"}])
    );
    let typed: llm_trace::provider::bedrock::ConverseResponse =
        serde_json::from_value(response.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(ResponseFacts::<Bedrock>::output_messages(&typed).unwrap()).unwrap(),
        output("aws.bedrock", response)
    );
}

#[test]
fn cohere_v2_chat() {
    let body = json!({
        "model": "command-a-03-2025",
        "messages": [
            {"role": "system", "content": "Use tools."},
            {"role": "user", "content": [{"type": "text", "text": "Stock of ACME?"}]},
            {"role": "assistant", "tool_plan": "I will look it up.", "tool_calls": [
                {"id": "tc_1", "type": "function",
                 "function": {"name": "stock", "arguments": "{\"ticker\":\"ACME\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "tc_1", "content": [
                {"type": "document", "document": {"data": "{\"price\": 42}"}}
            ]}
        ],
        "tools": [{"type": "function", "function": {"name": "stock", "description": "Quotes",
                                                   "parameters": {"type": "object"}}}]
    });
    assert_eq!(
        request("cohere", body),
        json!({
            "input": [
                {"role": "system", "parts": [text("Use tools.")]},
                {"role": "user", "parts": [text("Stock of ACME?")]},
                {"role": "assistant", "parts": [
                    {"type": "reasoning", "content": "I will look it up."},
                    {"type": "tool_call", "id": "tc_1", "name": "stock", "arguments": {"ticker": "ACME"}}
                ]},
                {"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "tc_1", "response": [
                        {"type": "document", "document": {"data": "{\"price\": 42}"}}
                    ]}
                ]}
            ],
            "system": [],
            "tools": [{"type": "function", "name": "stock", "description": "Quotes",
                       "parameters": {"type": "object"}}]
        })
    );
    let response = json!({
        "id": "c-1", "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Price found."},
            {"type": "text", "text": "ACME is at 42."}
        ]}
    });
    assert_eq!(
        output("cohere", response.clone()),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "Price found."}, text("ACME is at 42.")
        ], "finish_reason": "stop"}])
    );
    let typed: llm_trace::provider::cohere::ChatResponse =
        serde_json::from_value(response.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(ResponseFacts::<Cohere>::output_messages(&typed).unwrap()).unwrap(),
        output("cohere", response)
    );
}

#[test]
fn ollama_chat_and_generate() {
    let body = json!({
        "model": "llama3.2",
        "messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": "What is this?", "images": ["iVBOR"]},
            {"role": "assistant", "content": "", "tool_calls": [
                {"function": {"name": "classify", "arguments": {"image": 0}}}
            ]},
            {"role": "tool", "tool_name": "classify", "content": "a dog"}
        ],
        "tools": [{"type": "function", "function": {"name": "classify", "description": "Classifies",
                                                   "parameters": {"type": "object"}}}]
    });
    assert_eq!(
        request("ollama", body),
        json!({
            "input": [
                {"role": "system", "parts": [text("Be kind.")]},
                {"role": "user", "parts": [
                    text("What is this?"),
                    {"type": "blob", "modality": "image", "content": "iVBOR"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "tool_call", "name": "classify", "arguments": {"image": 0}}
                ]},
                {"role": "tool", "name": "classify", "parts": [
                    {"type": "tool_call_response", "response": "a dog"}
                ]}
            ],
            "system": [],
            "tools": [{"type": "function", "name": "classify", "description": "Classifies",
                       "parameters": {"type": "object"}}]
        })
    );
    let response = json!({
        "model": "llama3.2", "created_at": "2025-01-01T00:00:00Z", "done": true,
        "done_reason": "stop",
        "message": {"role": "assistant", "thinking": "A dog.", "content": "It is a dog."}
    });
    assert_eq!(
        output("ollama", response.clone()),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "A dog."}, text("It is a dog.")
        ], "finish_reason": "stop"}])
    );
    let typed: llm_trace::provider::ollama::ChatResponse =
        serde_json::from_value(response.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(ResponseFacts::<Ollama>::output_messages(&typed).unwrap()).unwrap(),
        output("ollama", response)
    );

    // /api/generate: a prompt and a separate system prompt.
    assert_eq!(
        request(
            "ollama",
            json!({"model": "llama3.2", "prompt": "Why is the sky blue?", "system": "Be brief."})
        ),
        json!({
            "input": [{"role": "user", "parts": [text("Why is the sky blue?")]}],
            "system": [text("Be brief.")],
            "tools": []
        })
    );
    assert_eq!(
        output(
            "ollama",
            json!({"model": "llama3.2", "response": "Rayleigh scattering.", "done": true,
                   "done_reason": "length"})
        ),
        json!([{"role": "assistant", "parts": [text("Rayleigh scattering.")],
                "finish_reason": "length"}])
    );
}

#[test]
fn bodies_without_content_give_none_and_never_panic() {
    for provider in provider::KNOWN_PROVIDERS {
        for body in [
            json!(null),
            json!([]),
            json!("text"),
            json!({"messages": "not a list", "contents": 5, "input": {}, "output": 1}),
            json!({"choices": [1, null, {"message": []}], "candidates": [{"content": 3}],
                   "content": [{"type": 7}], "message": {"content": [{}]}}),
        ] {
            let _ = provider::parse_request_content(provider, &body).unwrap();
            let _ = provider::parse_output_messages(provider, &body).unwrap();
        }
        assert!(provider::parse_request_content(provider, &json!({}))
            .unwrap()
            .is_none());
    }
    // Embeddings carry no messages.
    let embeddings = llm_trace::provider::openai::EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: json!("hello"),
        ..Default::default()
    };
    assert!(RequestFacts::<OpenAi>::request_content(&embeddings).is_none());
}
