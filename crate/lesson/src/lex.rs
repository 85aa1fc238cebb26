//! Splitting a lesson line into words, with the column of each (1-based, in characters): the scenario
//! format's own splitter (crate/sim), so both formats read words, quotes and comments alike.

pub use quorate_sim::scenario::Word;

use crate::LessonError;

/// Words of one line.
pub fn words(line: &str, line_no: usize) -> Result<Vec<Word<'_>>, LessonError> {
    quorate_sim::scenario::words(line, line_no).map_err(LessonError::from)
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
