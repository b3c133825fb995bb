//! Parsing code files: the Amazon claim-code download (a text file, one code a line) and CSV with
//! a code column. Every line is judged; nothing is dropped silently.

use crate::code::PromoCode;
use std::collections::HashMap;

/// The shape of a code file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One code a line, with optional header lines before the first code (Amazon's download).
    Text,
    /// Comma- or semicolon-separated, with a header row naming a code column.
    Csv,
}

impl FileFormat {
    /// Picks CSV for a `.csv` file name, text otherwise.
    pub fn from_file_name(name: &str) -> Self {
        if name.to_ascii_lowercase().ends_with(".csv") {
            Self::Csv
        } else {
            Self::Text
        }
    }
}

/// What is wrong with one line of a code file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The line is not a valid code; the reason never echoes the line.
    Invalid(String),
    /// The same code appeared earlier in the file.
    DuplicateInFile {
        /// The line where it first appeared.
        first_line: usize,
    },
    /// The code is already in a pool (this campaign's or another's). Found by the store.
    AlreadyInPool,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(why) => f.write_str(why),
            Self::DuplicateInFile { first_line } => write!(f, "duplicate of line {first_line}"),
            Self::AlreadyInPool => f.write_str("already in a pool"),
        }
    }
}

/// One problem, at a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong.
    pub problem: LineProblem,
}

/// A parsed code file: the good codes with their lines, and every bad line.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Valid, distinct codes in file order, with their line numbers.
    pub codes: Vec<(usize, PromoCode)>,
    /// Every line that was refused, in file order.
    pub bad_lines: Vec<BadLine>,
    /// Header lines skipped before the first code.
    pub header_lines: usize,
    /// Blank lines skipped.
    pub blank_lines: usize,
}

/// Errors that make a whole file unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The CSV has no column whose header names a code.
    #[error("no code column: the header row needs a column named code, claim code or promo code")]
    NoCodeColumn,
    /// The file holds no code at all.
    #[error("the file holds no codes")]
    Empty,
    /// The CSV could not be read.
    #[error("unreadable CSV: {0}")]
    Csv(String),
}

/// Parses a code file of the given format.
pub fn parse_code_file(bytes: &[u8], format: FileFormat) -> Result<ParsedFile, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let parsed = match format {
        FileFormat::Text => parse_text(bytes),
        FileFormat::Csv => parse_csv(bytes)?,
    };
    if parsed.codes.is_empty() && parsed.bad_lines.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(parsed)
}

fn parse_text(bytes: &[u8]) -> ParsedFile {
    let mut out = Collector::default();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let Ok(text) = std::str::from_utf8(raw) else {
            out.bad(line, LineProblem::Invalid("not valid UTF-8".into()));
            continue;
        };
        let text = text.trim_end_matches('\r').trim();
        if text.is_empty() {
            out.file.blank_lines += 1;
            continue;
        }
        match PromoCode::parse(text) {
            Ok(code) => out.code(line, code),
            // Amazon's download and hand-made files start with titles such as "Claim Code" or
            // "Promotion Tracking ID: ...": before the first code, text that cannot be a code is
            // a header. After it, every such line is an error.
            Err(_)
                if out.file.codes.is_empty()
                    && out.file.bad_lines.is_empty()
                    && looks_like_header(text) =>
            {
                out.file.header_lines += 1;
            }
            Err(e) => out.bad(line, LineProblem::Invalid(e.reason)),
        }
    }
    out.file
}

fn looks_like_header(text: &str) -> bool {
    text.contains(' ')
        || text.contains(':')
        || text.chars().any(|c| c.is_ascii_lowercase()) && !text.chars().any(|c| c.is_ascii_digit())
}

const CODE_COLUMNS: &[&str] = &[
    "code",
    "claim code",
    "claim_code",
    "promo code",
    "promo_code",
    "promotion code",
    "coupon code",
    "coupon",
];

fn parse_csv(bytes: &[u8]) -> Result<ParsedFile, FileError> {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.iter().filter(|b| **b == b';').count()
        > first_line.iter().filter(|b| **b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| FileError::Csv(e.to_string()))?
        .clone();
    let column = headers
        .iter()
        .position(|h| {
            let h = String::from_utf8_lossy(h).trim().to_ascii_lowercase();
            CODE_COLUMNS.contains(&h.as_str())
        })
        .ok_or(FileError::NoCodeColumn)?;
    let mut out = Collector::default();
    out.file.header_lines = 1;
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as usize);
                out.bad(
                    line,
                    LineProblem::Invalid(format!("unreadable CSV row: {}", csv_reason(&e))),
                );
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line() as usize);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            out.file.blank_lines += 1;
            continue;
        }
        let Some(field) = record.get(column) else {
            out.bad(
                line,
                LineProblem::Invalid("the row has no code column".into()),
            );
            continue;
        };
        match std::str::from_utf8(field) {
            Err(_) => out.bad(line, LineProblem::Invalid("not valid UTF-8".into())),
            Ok(text) => match PromoCode::parse(text) {
                Ok(code) => out.code(line, code),
                Err(e) => out.bad(line, LineProblem::Invalid(e.reason)),
            },
        }
    }
    Ok(out.file)
}

fn csv_reason(e: &csv::Error) -> &'static str {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8",
        csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields",
        _ => "malformed row",
    }
}

#[derive(Default)]
struct Collector {
    file: ParsedFile,
    seen: HashMap<PromoCode, usize>,
}

impl Collector {
    fn code(&mut self, line: usize, code: PromoCode) {
        if let Some(first_line) = self.seen.get(&code) {
            self.bad(
                line,
                LineProblem::DuplicateInFile {
                    first_line: *first_line,
                },
            );
        } else {
            self.seen.insert(code.clone(), line);
            self.file.codes.push((line, code));
        }
    }

    fn bad(&mut self, line: usize, problem: LineProblem) {
        self.file.bad_lines.push(BadLine { line, problem });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_text_download_with_headers_bom_crlf_blanks_and_lower_case() {
        let file = b"\xEF\xBB\xBFPromotion Tracking ID: A1B2C3\r\nClaim Code\r\n7gm3-yyyyy3-zzzzzz\r\n\r\n  7GM3-AAAAA3-BBBBBB  \r\n7GM3-YYYYY3-ZZZZZZ\r\nbad code!\r\n";
        let parsed = parse_code_file(file, FileFormat::Text).unwrap();
        assert_eq!(parsed.header_lines, 2);
        assert_eq!(parsed.blank_lines, 2);
        let codes: Vec<_> = parsed
            .codes
            .iter()
            .map(|(l, c)| (*l, c.expose().to_owned()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (3, "7GM3-YYYYY3-ZZZZZZ".to_owned()),
                (5, "7GM3-AAAAA3-BBBBBB".to_owned())
            ]
        );
        assert_eq!(
            parsed.bad_lines[0],
            BadLine {
                line: 6,
                problem: LineProblem::DuplicateInFile { first_line: 3 }
            }
        );
        assert_eq!(parsed.bad_lines[1].line, 7);
        assert!(matches!(
            parsed.bad_lines[1].problem,
            LineProblem::Invalid(_)
        ));
    }

    #[test]
    fn bad_text_is_an_error_after_the_first_code() {
        let parsed =
            parse_code_file(b"ABCD-1234\nnot a code\n\xff\xfe\n", FileFormat::Text).unwrap();
        assert_eq!(
            parsed.bad_lines.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn csv_with_a_code_column() {
        let file = b"order;Claim Code;note\n1;abcd-1234;x\n2;;y\n3;ABCD-1234;z\n4;WXYZ-9999\n";
        let parsed = parse_code_file(file, FileFormat::Csv).unwrap();
        assert_eq!(parsed.codes.len(), 2);
        assert_eq!(
            parsed.bad_lines.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![3, 4]
        );
    }

    #[test]
    fn csv_without_a_code_column_or_an_empty_file_is_refused() {
        assert_eq!(
            parse_code_file(b"a,b\n1,2\n", FileFormat::Csv).unwrap_err(),
            FileError::NoCodeColumn
        );
        assert_eq!(
            parse_code_file(b"\r\n\n", FileFormat::Text).unwrap_err(),
            FileError::Empty
        );
    }
}
