//! A push decoder for the wire formats of streamed LLM responses:
//! server-sent events (OpenAI, Anthropic, Gemini `alt=sse`, Cohere, most
//! OpenAI-compatible servers) and newline-delimited JSON (Ollama).
//!
//! The SSE crates of the ecosystem are stream adaptors that consume the byte
//! stream; an instrumented stream must hand every chunk to the caller
//! unchanged, so it only observes bytes as they pass. This decoder follows the
//! WHATWG event-stream interpretation (lines end in CRLF, LF or CR; `data:`
//! lines accumulate, a blank line dispatches, `:` starts a comment, one
//! leading space after the colon is dropped) and accepts bare JSON lines as
//! NDJSON events. Any byte sequence, split anywhere, is accepted.

/// Largest event (or line) kept, in bytes; longer ones are skipped whole.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// Splits pushed bytes into events.
///
/// ```
/// use llm_trace::provider::sse::SseDecoder;
///
/// let mut events = Vec::new();
/// let mut decoder = SseDecoder::new();
/// decoder.feed(b"event: ping\ndata: {\"a\":", |e| events.push(e.to_vec()));
/// decoder.feed(b"1}\n\n{\"done\":true}\n", |e| events.push(e.to_vec()));
/// assert_eq!(events, [b"{\"a\":1}".to_vec(), b"{\"done\":true}".to_vec()]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct SseDecoder {
    /// The current, unterminated line.
    line: Vec<u8>,
    /// The data of the current event, lines joined by `\n`.
    data: Vec<u8>,
    has_data: bool,
    /// The current line or event outgrew [`MAX_EVENT_BYTES`].
    line_overflow: bool,
    data_overflow: bool,
    /// The previous byte was a CR: a following LF belongs to the same line end.
    after_cr: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        SseDecoder::default()
    }

    /// Decodes `bytes`, calling `on_event` with the data of every event
    /// completed by them (an SSE event's joined `data:` lines, or one NDJSON
    /// line).
    pub fn feed(&mut self, bytes: &[u8], mut on_event: impl FnMut(&[u8])) {
        let mut rest = bytes;
        if rest.is_empty() {
            return;
        }
        if self.after_cr {
            self.after_cr = false;
            if let Some(tail) = rest.strip_prefix(b"\n") {
                rest = tail;
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.push_line_bytes(&rest[..end]);
            self.end_line(&mut on_event);
            if rest[end] == b'\r' {
                match rest.get(end + 1) {
                    Some(b'\n') => rest = &rest[end + 2..],
                    Some(_) => rest = &rest[end + 1..],
                    None => {
                        self.after_cr = true;
                        rest = &[];
                    }
                }
            } else {
                rest = &rest[end + 1..];
            }
        }
        self.push_line_bytes(rest);
    }

    /// Ends the stream: a last NDJSON line without its newline still counts;
    /// an SSE event without its blank line is discarded, as the standard says.
    pub fn finish(&mut self, mut on_event: impl FnMut(&[u8])) {
        if !self.line_overflow && is_json_line(&self.line) {
            on_event(trim(&self.line));
        }
        *self = SseDecoder::default();
    }

    fn push_line_bytes(&mut self, bytes: &[u8]) {
        if self.line_overflow {
            return;
        }
        if self.line.len() + bytes.len() > MAX_EVENT_BYTES {
            self.line_overflow = true;
            self.line.clear();
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn end_line(&mut self, on_event: &mut impl FnMut(&[u8])) {
        let overflow = std::mem::replace(&mut self.line_overflow, false);
        if overflow {
            // A line too long to keep spoils its event.
            self.data_overflow = true;
            self.has_data = true;
            return;
        }
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            if self.has_data && !self.data_overflow {
                on_event(&self.data);
            }
            self.data.clear();
            self.has_data = false;
            self.data_overflow = false;
        } else if is_json_line(&line) && !self.has_data {
            on_event(trim(&line));
        } else {
            let (field, value) = match line.iter().position(|&b| b == b':') {
                Some(colon) => {
                    let value = &line[colon + 1..];
                    (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
                }
                None => (&line[..], &[][..]),
            };
            if field == b"data" {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.has_data = true;
                if self.data.len() + value.len() > MAX_EVENT_BYTES {
                    self.data_overflow = true;
                } else if !self.data_overflow {
                    self.data.extend_from_slice(value);
                }
            }
        }
        // Keep the line buffer's allocation for the next line.
        self.line = line;
        self.line.clear();
    }
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end.max(start)]
}

/// A bare JSON object line (NDJSON), which no SSE field starts with.
fn is_json_line(line: &[u8]) -> bool {
    trim(line).first() == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_split(input: &[u8], at: &[usize]) -> Vec<Vec<u8>> {
        let mut events = Vec::new();
        let mut decoder = SseDecoder::new();
        let mut from = 0;
        for &cut in at.iter().chain(std::iter::once(&input.len())) {
            decoder.feed(&input[from..cut], |e| events.push(e.to_vec()));
            from = cut;
        }
        decoder.finish(|e| events.push(e.to_vec()));
        events
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let input: &[u8] = b": comment\r\nevent: message_start\r\ndata: {\"a\":\r\ndata:  1}\r\n\r\nid: 7\rdata:[DONE]\r\rdata: x\n\n{\"ndjson\":true}\n{\"last\":1}";
        let whole = decode_split(input, &[]);
        assert_eq!(
            whole,
            [
                b"{\"a\":\n 1}".to_vec(),
                b"[DONE]".to_vec(),
                b"x".to_vec(),
                b"{\"ndjson\":true}".to_vec(),
                b"{\"last\":1}".to_vec(),
            ]
        );
        for i in 0..=input.len() {
            for j in i..=input.len() {
                assert_eq!(decode_split(input, &[i, j]), whole, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn an_unterminated_sse_event_is_discarded() {
        assert!(decode_split(b"data: {\"a\":1}", &[]).is_empty());
        assert!(decode_split(b"data: {\"a\":1}\n", &[]).is_empty());
    }

    #[test]
    fn oversized_events_are_skipped_and_decoding_resumes() {
        let mut input = b"data: ".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_EVENT_BYTES + 10));
        input.extend_from_slice(b"\n\ndata: ok\n\n");
        assert_eq!(
            decode_split(&input, &[100, MAX_EVENT_BYTES]),
            [b"ok".to_vec()]
        );
    }
}
