//! Splitting a lesson line into words, with the column of each (1-based, in characters).
//!
//! The same rules as the scenario format (crate/sim): words are separated by whitespace, text with spaces
//! goes in double quotes, `#` starts a comment outside quotes.

use crate::LessonError;

#[derive(Clone, Debug, PartialEq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub column: usize,
    /// Written in double quotes (the quotes are not part of `text`).
    pub quoted: bool,
}

/// Words of one line.
pub fn words(line: &str, line_no: usize) -> Result<Vec<Word<'_>>, LessonError> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    let column_of = |byte: usize| line[..byte].chars().count() + 1;
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' {
            break;
        }
        if c == '"' {
            chars.next();
            let end = chars.by_ref().find(|&(_, c)| c == '"').map(|(i, _)| i);
            let Some(end) = end else {
                return Err(LessonError::at(
                    line_no,
                    column_of(start),
                    "unterminated quoted text: add the closing \"",
                ));
            };
            out.push(Word {
                text: &line[start + 1..end],
                column: column_of(start),
                quoted: true,
            });
            continue;
        }
        let mut end = line.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '#' {
                end = i;
                break;
            }
            if c == '"' {
                return Err(LessonError::at(
                    line_no,
                    column_of(i),
                    "a quote must start a word",
                ));
            }
            chars.next();
        }
        out.push(Word {
            text: &line[start..end],
            column: column_of(start),
            quoted: false,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_quotes_and_comments() {
        let w = words("say \"a # in quotes\" # a comment", 2).unwrap();
        let got: Vec<_> = w.iter().map(|w| (w.text, w.column, w.quoted)).collect();
        assert_eq!(got, vec![("say", 1, false), ("a # in quotes", 5, true)]);
        let err = words("  say \"open", 7).unwrap_err();
        assert_eq!((err.line, err.column), (7, 7));
    }
}
