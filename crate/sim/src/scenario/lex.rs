//! Splitting a scenario line into words, with the column of each (1-based, in characters).

use super::ScenarioError;

#[derive(Clone, Debug, PartialEq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub column: usize,
    /// Written in double quotes (the quotes are not part of `text`).
    pub quoted: bool,
}

/// Words of one line; `#` starts a comment outside quotes.
pub fn words(line: &str, line_no: usize) -> Result<Vec<Word<'_>>, ScenarioError> {
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
            let body = start + 1;
            let mut end = None;
            for (i, c) in chars.by_ref() {
                if c == '"' {
                    end = Some(i);
                    break;
                }
            }
            let Some(end) = end else {
                return Err(ScenarioError::at(
                    line_no,
                    column_of(start),
                    "unterminated quoted text: add the closing \"",
                ));
            };
            out.push(Word {
                text: &line[body..end],
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
                return Err(ScenarioError::at(
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
    fn columns_and_quotes() {
        let w = words("expect event \"gap from\" on n1 # why", 3).unwrap();
        let texts: Vec<_> = w.iter().map(|w| (w.text, w.column, w.quoted)).collect();
        assert_eq!(
            texts,
            vec![
                ("expect", 1, false),
                ("event", 8, false),
                ("gap from", 14, true),
                ("on", 25, false),
                ("n1", 28, false)
            ]
        );
        let err = words("expect event \"open", 4).unwrap_err();
        assert_eq!((err.line, err.column), (4, 14));
    }
}
