//! Server-Sent Events as the HTML standard parses them: `event:`, `data:` (several joined by
//! newlines), `id:`, comments (`:`) ignored, an event dispatched at a blank line; CR, LF and
//! CRLF all end a line. Incremental: bytes go in as they arrive, events come out.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `message` when the stream names none.
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

#[derive(Default)]
pub struct Parser {
    line: Vec<u8>,
    /// A CR was the last byte: an LF right after it belongs to the same line end.
    after_cr: bool,
    event: String,
    data: Vec<String>,
    id: Option<String>,
    /// Bytes taken so far, for the caller's bound.
    pub seen: usize,
}

impl Parser {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.seen += bytes.len();
        let mut out = Vec::new();
        for &b in bytes {
            if self.after_cr && b == b'\n' {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            if b == b'\n' || b == b'\r' {
                let line = std::mem::take(&mut self.line);
                if let Some(e) = self.line_done(&line) {
                    out.push(e);
                }
            } else {
                self.line.push(b);
            }
        }
        out
    }

    fn line_done(&mut self, line: &[u8]) -> Option<Event> {
        if line.is_empty() {
            if self.data.is_empty() {
                self.event.clear();
                return None;
            }
            let event = Event {
                event: if self.event.is_empty() {
                    "message".into()
                } else {
                    std::mem::take(&mut self.event)
                },
                data: std::mem::take(&mut self.data).join("\n"),
                id: self.id.clone(),
            };
            return Some(event);
        }
        let text = String::from_utf8_lossy(line);
        if text.starts_with(':') {
            return None;
        }
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()),
            None => (text.to_string(), String::new()),
        };
        match field.as_str() {
            "event" => self.event = value,
            "data" => self.data.push(value),
            "id" => self.id = Some(value),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_across_chunks_and_line_ends() {
        let mut p = Parser::default();
        let mut all = p.push(b"event: endpoint\r\ndata: /messages?s");
        all.extend(p.push(b"ession=1\r\n\r\n: keep-alive\n\ndata: {\"a\":\ndata: 1}\r"));
        all.extend(p.push(b"\n\r\n"));
        assert_eq!(
            all,
            vec![
                Event {
                    event: "endpoint".into(),
                    data: "/messages?session=1".into(),
                    id: None
                },
                Event {
                    event: "message".into(),
                    data: "{\"a\":\n1}".into(),
                    id: None
                },
            ]
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched() {
        let mut p = Parser::default();
        assert!(p.push(b"event: ping\n\n").is_empty());
        assert_eq!(p.push(b"data:x\n\n")[0].event, "message");
    }
}
