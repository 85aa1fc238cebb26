//! Jepsen etcd logs: `INFO  jepsen.util - 3 :invoke :cas [3 0]` (fields separated by tabs), one event per line.
//!
//! A client line is the logger prefix, `jepsen.util -`, a numeric process, a type, a function and a
//! value. Lines of other loggers, and `jepsen.util` lines whose process is not a number (the nemesis),
//! carry no client operation and are skipped; a client line that does not parse is an error.
//!
//! Meaning (the README of the test data): `:fail :cas` is a compare that was evaluated and did not match,
//! an observation of the register like a read, so it is kept as a cas that did not swap (Porcupine's
//! etcd model reads it the same way). Any other `:fail` (a read that `:timed-out`) had no effect and is
//! dropped. `:info`, or no completion at all, is an unknown outcome.

use super::super::history::{History, HistoryBuilder, Outcome, ProcessId};
use super::super::register::{RegisterInput, RegisterOutput, RegisterValue};
use super::{EventType, ParseError, ParseErrorKind};

const FUNCTIONS: &str = ":read, :write or :cas";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Read,
    Write,
    Cas,
}

impl Function {
    fn of(input: &RegisterInput) -> Self {
        match input {
            RegisterInput::Read => Function::Read,
            RegisterInput::Write(_) => Function::Write,
            RegisterInput::Cas { .. } => Function::Cas,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Function::Read => ":read",
            Function::Write => ":write",
            Function::Cas => ":cas",
        }
    }
}

/// A client line, split.
struct ClientLine<'a> {
    process: u64,
    kind: EventType,
    function: Function,
    value: &'a str,
}

/// The first whitespace-separated field of `text` and the text after it.
fn next_field(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text.split_at(end)
}

/// `Ok(None)` for a line that carries no client operation.
fn split_line(line: &str) -> Result<Option<ClientLine<'_>>, ParseErrorKind> {
    let Some(at) = line.find("jepsen.util") else {
        return Ok(None);
    };
    let rest = line[at + "jepsen.util".len()..].trim_start();
    let Some(rest) = rest.strip_prefix('-') else {
        return Ok(None);
    };
    let (process, rest) = next_field(rest);
    if process.is_empty() {
        return Ok(None);
    }
    if !process.bytes().all(|b| b.is_ascii_digit()) {
        return if process.starts_with(':') {
            Ok(None) // :nemesis and other non-client actors
        } else {
            Err(ParseErrorKind::BadField {
                field: "process",
                expected: "a number",
                found: process.to_string(),
            })
        };
    }
    let process = process
        .parse::<u64>()
        .map_err(|_| ParseErrorKind::BadField {
            field: "process",
            expected: "a number that fits in 64 bits",
            found: process.to_string(),
        })?;
    let (kind, rest) = next_field(rest);
    let (function, rest) = next_field(rest);
    if function.is_empty() {
        return Err(ParseErrorKind::Truncated);
    }
    let kind = kind
        .strip_prefix(':')
        .and_then(EventType::from_keyword)
        .ok_or_else(|| ParseErrorKind::UnknownType {
            found: kind.to_string(),
        })?;
    let function = match function {
        ":read" => Function::Read,
        ":write" => Function::Write,
        ":cas" => Function::Cas,
        other => {
            return Err(ParseErrorKind::UnknownFunction {
                found: other.to_string(),
                expected: FUNCTIONS,
            })
        }
    };
    // The value is the rest of the line after the function (a cas pair holds a space).
    let value = rest.trim();
    if value.is_empty() {
        return Err(ParseErrorKind::Truncated);
    }
    Ok(Some(ClientLine {
        process,
        kind,
        function,
        value,
    }))
}

fn parse_int(function: Function, text: &str) -> Result<RegisterValue, ParseErrorKind> {
    text.parse().map_err(|_| ParseErrorKind::BadValue {
        function: function.name(),
        found: text.to_string(),
        expected: "an integer",
    })
}

fn parse_cas(text: &str) -> Result<(RegisterValue, RegisterValue), ParseErrorKind> {
    let bad = || ParseErrorKind::BadValue {
        function: ":cas",
        found: text.to_string(),
        expected: "[from to]",
    };
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(bad)?;
    let mut parts = inner
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(from), Some(to), None) => Ok((
            from.parse().map_err(|_| bad())?,
            to.parse().map_err(|_| bad())?,
        )),
        _ => Err(bad()),
    }
}

fn parse_invocation(line: &ClientLine<'_>) -> Result<RegisterInput, ParseErrorKind> {
    match line.function {
        // The invocation of a read carries `nil`; nothing depends on it.
        Function::Read => Ok(RegisterInput::Read),
        Function::Write => Ok(RegisterInput::Write(parse_int(
            Function::Write,
            line.value,
        )?)),
        Function::Cas => {
            let (from, to) = parse_cas(line.value)?;
            Ok(RegisterInput::Cas { from, to })
        }
    }
}

fn parse_completion(line: &ClientLine<'_>) -> Result<Outcome<RegisterOutput>, ParseErrorKind> {
    Ok(match (line.kind, line.function) {
        (EventType::Info, _) => Outcome::Unknown,
        (EventType::Ok, Function::Read) => Outcome::Ok(RegisterOutput::Read(match line.value {
            "nil" => None,
            text => Some(parse_int(Function::Read, text)?),
        })),
        (EventType::Ok, Function::Write) => {
            parse_int(Function::Write, line.value)?;
            Outcome::Ok(RegisterOutput::Write)
        }
        (EventType::Ok | EventType::Fail, Function::Cas) => {
            // A timed-out cas reported as :fail still had no effect; only a pair is a compare result.
            if line.kind == EventType::Fail && !line.value.starts_with('[') {
                Outcome::Fail
            } else {
                parse_cas(line.value)?;
                Outcome::Ok(RegisterOutput::Cas {
                    swapped: line.kind == EventType::Ok,
                })
            }
        }
        (EventType::Fail, Function::Read | Function::Write) => Outcome::Fail,
        (EventType::Invoke, _) => unreachable!("invocations are handled by the caller"),
    })
}

/// Reads a Jepsen etcd log into a register history.
pub fn parse_jepsen_register(
    text: &str,
) -> Result<History<RegisterInput, RegisterOutput>, ParseError> {
    let mut builder = HistoryBuilder::new();
    let mut client_lines = 0usize;
    let mut first_other_line = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let at = |kind| ParseError::at(number, kind);
        let Some(client) = split_line(line).map_err(at)? else {
            if first_other_line.is_none() && !line.trim().is_empty() {
                first_other_line = Some(number);
            }
            continue;
        };
        client_lines += 1;
        let process = ProcessId(client.process);
        if client.kind == EventType::Invoke {
            let input = parse_invocation(&client).map_err(at)?;
            builder
                .invoke(process, input, Some(number))
                .map_err(|e| at(e.into()))?;
            continue;
        }
        match builder.pending_input(process).map(Function::of) {
            Some(pending) if pending != client.function => {
                return Err(at(ParseErrorKind::MismatchedCompletion {
                    process: client.process,
                    found: client.function.name().to_string(),
                    pending: pending.name().to_string(),
                }));
            }
            _ => {}
        }
        let outcome = parse_completion(&client).map_err(at)?;
        builder
            .complete(process, outcome, Some(number))
            .map_err(|e| at(e.into()))?;
    }
    if client_lines == 0 {
        if let Some(line) = first_other_line {
            return Err(ParseError::at(line, ParseErrorKind::NoOperations));
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]
INFO  jepsen.util - :nemesis\t:info\t:start\tnil
INFO  jepsen.util - 0\t:ok\t:read\t3
INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]
INFO  jepsen.util - 2\t:invoke\t:write\t4
INFO  jepsen.util - 2\t:info\t:write\t:timed-out
INFO  jepsen.util - 3\t:invoke\t:read\tnil
INFO  jepsen.util - 3\t:fail\t:read\t:timed-out
INFO  jepsen.util - 4\t:invoke\t:cas\t[-1 2]
";

    #[test]
    fn reads_every_kind_of_event() {
        let h = parse_jepsen_register(LOG).unwrap();
        let ops = h.operations();
        assert_eq!(ops.len(), 5);
        assert_eq!(ops[0].outcome, Outcome::Ok(RegisterOutput::Read(Some(3))));
        assert_eq!((ops[0].call_line, ops[0].ret_line), (Some(1), Some(4)));
        assert_eq!(
            ops[1].outcome,
            Outcome::Ok(RegisterOutput::Cas { swapped: false })
        );
        assert_eq!(
            (ops[2].input.clone(), ops[2].outcome.clone()),
            (RegisterInput::Write(4), Outcome::Unknown)
        );
        assert_eq!(ops[3].outcome, Outcome::Fail);
        assert_eq!(
            (ops[4].input.clone(), ops[4].ret),
            (RegisterInput::Cas { from: -1, to: 2 }, None)
        );
    }

    #[test]
    fn malformed_client_lines_are_errors_with_their_line() {
        let cases = [
            ("INFO  jepsen.util - 0\t:invoke\t:write\tfour", 1),
            ("\nINFO  jepsen.util - 0\t:invoke\t:cas\t[1]", 2),
            (
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:write\t1",
                2,
            ),
            ("INFO  jepsen.util - 0\t:ok\t:read\t1", 1),
            ("INFO  jepsen.util - 0\t:begin\t:read\tnil", 1),
            ("INFO  jepsen.util - 0\t:invoke", 1),
            ("INFO  jepsen.util - 0x\t:invoke\t:read\tnil", 1),
            ("INFO  jepsen.util - 0\t:invoke\t:delete\tnil", 1),
            ("a\nb", 1),
        ];
        for (text, line) in cases {
            let err = parse_jepsen_register(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?} gave {err}");
        }
    }
}
