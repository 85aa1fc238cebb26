//! Key-value histories, one EDN map per line:
//! `{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}`.
//!
//! The map is read by `clojure-reader` (a complete EDN reader, so strings with escapes, commas and
//! extra fields such as `:time` or `:index` are handled as Clojure would); this file only interprets
//! the fields. A line whose `:process` is not an integer (the nemesis) carries no client operation.

use std::collections::BTreeMap;

use clojure_reader::edn::{self, Edn};

use super::super::history::{History, HistoryBuilder, Outcome, ProcessId};
use super::super::kv::{KvInput, KvOp, KvOutput};
use super::{EventType, ParseError, ParseErrorKind};

fn describe(value: &Edn<'_>) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

fn field<'m, 'e>(
    map: &'m BTreeMap<Edn<'e>, Edn<'e>>,
    name: &'static str,
) -> Result<&'m Edn<'e>, ParseErrorKind> {
    map.get(&Edn::Key(name.into()))
        .ok_or(ParseErrorKind::MissingField { field: name })
}

fn keyword<'e>(value: &'e Edn<'_>, field: &'static str) -> Result<&'e str, ParseErrorKind> {
    match value {
        Edn::Key(word) => Ok(word),
        other => Err(ParseErrorKind::BadField {
            field,
            expected: "a keyword",
            found: describe(other),
        }),
    }
}

/// A string field; `nil` reads as `None`.
fn string_or_nil(value: &Edn<'_>, field: &'static str) -> Result<Option<String>, ParseErrorKind> {
    match value {
        Edn::Str(s) => Ok(Some(s.to_string())),
        Edn::Nil => Ok(None),
        other => Err(ParseErrorKind::BadField {
            field,
            expected: "a string or nil",
            found: describe(other),
        }),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Get,
    Put,
    Append,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Get => ":get",
            Function::Put => ":put",
            Function::Append => ":append",
        }
    }

    fn of(input: &KvInput) -> Self {
        match input.op {
            KvOp::Get => Function::Get,
            KvOp::Put(_) => Function::Put,
            KvOp::Append(_) => Function::Append,
        }
    }
}

enum Event {
    Invoke(ProcessId, KvInput),
    Complete(ProcessId, Function, String, Outcome<KvOutput>),
}

/// Interprets one line. `Ok(None)` for a blank line or a non-client event.
fn parse_line(line: &str) -> Result<Option<Event>, ParseErrorKind> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let (value, rest) = edn::read(line).map_err(|e| ParseErrorKind::Edn {
        column: e.column.unwrap_or(line.chars().count() + 1),
        code: format!("{:?}", e.code),
    })?;
    let Edn::Map(map) = &value else {
        return Err(ParseErrorKind::NotAMap {
            found: describe(&value),
        });
    };
    if !rest.trim().is_empty() {
        return Err(ParseErrorKind::TrailingText {
            rest: rest.trim().to_string(),
        });
    }
    let process = match field(map, "process")? {
        Edn::Int(p) if *p >= 0 => ProcessId(*p as u64),
        Edn::Key(_) => return Ok(None), // :nemesis
        other => {
            return Err(ParseErrorKind::BadField {
                field: "process",
                expected: "a non-negative integer",
                found: describe(other),
            })
        }
    };
    let kind_word = keyword(field(map, "type")?, "type")?;
    let kind = EventType::from_keyword(kind_word).ok_or_else(|| ParseErrorKind::UnknownType {
        found: format!(":{kind_word}"),
    })?;
    let function = match keyword(field(map, "f")?, "f")? {
        "get" => Function::Get,
        "put" => Function::Put,
        "append" => Function::Append,
        other => {
            return Err(ParseErrorKind::UnknownFunction {
                found: format!(":{other}"),
                expected: ":get, :put or :append",
            })
        }
    };
    let key = match field(map, "key")? {
        Edn::Str(s) => s.to_string(),
        // Jepsen often numbers its keys; an integer key is the same key as its decimal string.
        Edn::Int(i) => i.to_string(),
        other => {
            return Err(ParseErrorKind::BadField {
                field: "key",
                expected: "a string or an integer",
                found: describe(other),
            })
        }
    };
    // A missing :value is nil.
    let value = match map.get(&Edn::Key("value".into())) {
        Some(v) => string_or_nil(v, "value")?,
        None => None,
    };
    let need_string = |value: Option<String>| {
        value.ok_or(ParseErrorKind::BadValue {
            function: function.name(),
            found: "nil".into(),
            expected: "a string",
        })
    };
    Ok(Some(match kind {
        EventType::Invoke => {
            let op = match function {
                Function::Get => KvOp::Get,
                Function::Put => KvOp::Put(need_string(value)?),
                Function::Append => KvOp::Append(need_string(value)?),
            };
            Event::Invoke(process, KvInput { key, op })
        }
        EventType::Ok => {
            let output = match function {
                Function::Get => KvOutput::Get(need_string(value)?),
                Function::Put | Function::Append => KvOutput::Done,
            };
            Event::Complete(process, function, key, Outcome::Ok(output))
        }
        EventType::Fail => Event::Complete(process, function, key, Outcome::Fail),
        EventType::Info => Event::Complete(process, function, key, Outcome::Unknown),
    }))
}

/// Reads a key-value history, one EDN map per line.
pub fn parse_kv_edn(text: &str) -> Result<History<KvInput, KvOutput>, ParseError> {
    let mut builder = HistoryBuilder::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let at = |kind| ParseError::at(number, kind);
        match parse_line(line).map_err(at)? {
            None => {}
            Some(Event::Invoke(process, input)) => {
                builder
                    .invoke(process, input, Some(number))
                    .map_err(|e| at(e.into()))?;
            }
            Some(Event::Complete(process, function, key, outcome)) => {
                if let Some(pending) = builder.pending_input(process) {
                    if Function::of(pending) != function || pending.key != key {
                        return Err(at(ParseErrorKind::MismatchedCompletion {
                            process: process.0,
                            found: format!("{} {key:?}", function.name()),
                            pending: format!("{} {:?}", Function::of(pending).name(), pending.key),
                        }));
                    }
                }
                builder
                    .complete(process, outcome, Some(number))
                    .map_err(|e| at(e.into()))?;
            }
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maps_with_extra_fields_and_escapes() {
        let text = r#"{:process 0, :type :invoke, :f :append, :key "4", :value "x \"0\" y"}
{:type :info, :process :nemesis, :f :start, :value nil}

{:process 0, :type :ok, :f :append, :key "4", :value "x \"0\" y", :time 12}
{:process 1, :type :invoke, :f :get, :key 4, :value nil}
{:process 1, :type :ok, :f :get, :key "4", :value "x \"0\" y"}
{:process 2, :type :invoke, :f :put, :key "5", :value "z"}
"#;
        let h = parse_kv_edn(text).unwrap();
        let ops = h.operations();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].input.op, KvOp::Append("x \"0\" y".into()));
        assert_eq!((ops[0].call_line, ops[0].ret_line), (Some(1), Some(4)));
        assert_eq!(
            ops[1].outcome,
            Outcome::Ok(KvOutput::Get("x \"0\" y".into()))
        );
        assert_eq!(
            (ops[2].outcome.clone(), ops[2].ret),
            (Outcome::Unknown, None)
        );
    }

    #[test]
    fn malformed_lines_are_errors_with_their_line() {
        let ok = r#"{:process 0, :type :invoke, :f :get, :key "1", :value nil}"#;
        let cases = [
            r#"{:process 0, :type :invoke, :f :get, :key "1", :value nil"#,
            r#"{:process 0, :type :invoke, :f :get, :key "1", :value nil} x"#,
            r#"[:process 0]"#,
            r#"{:type :invoke, :f :get, :key "1", :value nil}"#,
            r#"{:process -1, :type :invoke, :f :get, :key "1", :value nil}"#,
            r#"{:process 1, :type :done, :f :get, :key "1", :value nil}"#,
            r#"{:process 1, :type :invoke, :f :cas, :key "1", :value nil}"#,
            r#"{:process 1, :type :invoke, :f :put, :key "1", :value nil}"#,
            r#"{:process 1, :type :invoke, :f :put, :key :k, :value "v"}"#,
            r#"{:process 0, :type :ok, :f :put, :key "1", :value "v"}"#,
            r#"{:process 0, :type :ok, :f :get, :key "2", :value ""}"#,
            r#"{:process 0, :type :invoke, :f :get, :key "1", :value nil}"#,
            r#"{:process 0, :type :ok, :f :get, :key "1", :value 3}"#,
            "\u{0}",
        ];
        for case in cases {
            let text = format!("{ok}\n{case}\n");
            let err = parse_kv_edn(&text).unwrap_err();
            assert_eq!(err.line, 2, "{case:?} gave {err}");
        }
    }
}
