//! Where results and events go: text for people on stdout (progress and notes on stderr), or
//! one JSON object per line on stdout for scripts.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value, json};

/// The output of one command.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    json: bool,
}

impl Report {
    /// Text, or JSON lines.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether output is JSON lines.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// Whether live progress may be drawn: text output on a terminal.
    pub fn draws_progress(self) -> bool {
        !self.json && std::io::stderr().is_terminal()
    }

    /// One result or event: `text` for people (nothing when empty), `event` and `fields` as
    /// one JSON line.
    pub fn emit(self, event: &str, fields: Value, text: &str) {
        if self.json {
            let mut object = Map::new();
            object.insert("event".to_owned(), Value::from(event));
            if let Value::Object(fields) = fields {
                object.extend(fields);
            }
            print_line(&Value::Object(object).to_string());
        } else if !text.is_empty() {
            print_line(text);
        }
    }

    /// Text for people on stdout, with no JSON counterpart (headers, tables); nothing in JSON
    /// mode.
    pub fn text(self, text: &str) {
        if !self.json {
            print_line(text);
        }
    }

    /// A note for people, on stderr (also in JSON mode, where stdout is for data).
    pub fn note(self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{text}");
    }

    /// The error a command ended with.
    pub fn error(self, message: &str, exit_code: u8) {
        if self.json {
            let line = json!({"event": "error", "message": message, "exit_code": exit_code});
            print_line(&line.to_string());
        } else {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {message}");
        }
    }
}

/// A line on stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print_line(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
}
