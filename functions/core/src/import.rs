//! Parsing code files: the Amazon claim-code download (a text file, one code a line) and CSV with
//! a code column, in UTF-8 or UTF-16. Every line is judged; nothing is dropped silently.

use crate::code::PromoCode;
use std::borrow::Cow;
use std::collections::HashMap;

/// The shape of a code file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One code a line, with optional header lines before the first code (Amazon's download).
    Text,
    /// Comma-, semicolon- or tab-separated, with a header row naming a code column.
    Csv,
}

impl FileFormat {
    /// Picks CSV for a `.csv` or `.tsv` file name, text otherwise (a text file whose first line
    /// holds a tab is read as a table too: see [`parse_code_file`]).
    pub fn from_file_name(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if name.ends_with(".csv") || name.ends_with(".tsv") {
            Self::Csv
        } else {
            Self::Text
        }
    }
}

/// Column titles that are valid code shapes when written in capitals (`CODE`, `CLAIM-CODE`):
/// compared with letters and digits only, any case. Never taken for a code.
const HEADER_WORDS: &[&str] = &[
    "code",
    "codes",
    "claimcode",
    "claimcodes",
    "promocode",
    "promocodes",
    "promotioncode",
    "promotioncodes",
    "couponcode",
    "couponcodes",
    "coupon",
    "coupons",
    "vouchercode",
    "vouchercodes",
    "voucher",
    "vouchers",
    "giftcode",
    "giftcodes",
    "promotion",
    "promotionid",
    "trackingid",
];

fn is_header_word(text: &str) -> bool {
    // Checked before copying: a header word is short.
    text.len() <= 32 && { HEADER_WORDS.contains(&folded(text).as_str()) }
}

/// The problem of a column title where a code should be.
fn header_word_problem() -> LineProblem {
    LineProblem::Invalid("a column title, not a code".into())
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
    /// Blank lines skipped (in a CSV, rows of only whitespace: the reader passes over empty
    /// lines without counting them).
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

/// The text encoding a code file was read in, told apart by its byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn invalid(self) -> LineProblem {
        LineProblem::Invalid(
            match self {
                Self::Utf8 => "not valid UTF-8",
                Self::Utf16 => "not valid UTF-16",
            }
            .into(),
        )
    }
}

/// Byte that never occurs in UTF-8: stands in for an undecodable UTF-16 unit, so the line
/// that held it is reported rather than silently repaired.
const NOT_UTF8: u8 = 0xFF;

/// The file as UTF-8 bytes (one line per line of the original), and the encoding it came in.
/// UTF-16 (little or big endian) is recognised by its byte-order mark, which is how Windows
/// tools ("Unicode" in Notepad, "Unicode Text" in Excel) write it.
fn decode(bytes: &[u8]) -> (Cow<'_, [u8]>, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (Cow::Borrowed(rest), Encoding::Utf8);
    }
    let unit: fn([u8; 2]) -> u16 = if bytes.starts_with(b"\xFF\xFE") {
        u16::from_le_bytes
    } else if bytes.starts_with(b"\xFE\xFF") {
        u16::from_be_bytes
    } else {
        return (Cow::Borrowed(bytes), Encoding::Utf8);
    };
    let body = bytes.get(2..).unwrap_or_default();
    let (pairs, odd_byte) = body.as_chunks::<2>();
    let units = pairs.iter().map(|&pair| unit(pair));
    let mut out = Vec::with_capacity(body.len());
    let mut buf = [0u8; 4];
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            Err(_) => out.push(NOT_UTF8),
        }
    }
    if !odd_byte.is_empty() {
        out.push(NOT_UTF8);
    }
    (Cow::Owned(out), Encoding::Utf16)
}

/// Parses a code file of the given format: UTF-8 (with or without a byte-order mark) or
/// UTF-16 with its byte-order mark, as text or CSV. Any bytes are safe to pass: every line ends
/// up as a code, a bad line, a header or a blank line, and a reason never echoes the line.
pub fn parse_code_file(bytes: &[u8], format: FileFormat) -> Result<ParsedFile, FileError> {
    let (bytes, encoding) = decode(bytes);
    let first_line = bytes
        .split(|b| *b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    // Seller Central's reports and Excel's "Text (Tab delimited)" are tables in a .txt.
    let table = format == FileFormat::Csv || first_line.contains(&b'\t');
    let parsed = if table {
        parse_csv(&bytes, encoding)?
    } else {
        parse_text(&bytes, encoding)
    };
    if parsed.codes.is_empty() && parsed.bad_lines.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(parsed)
}

fn parse_text(bytes: &[u8], encoding: Encoding) -> ParsedFile {
    let mut out = Collector::default();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let Ok(text) = std::str::from_utf8(raw) else {
            out.bad(line, encoding.invalid());
            continue;
        };
        let text = text.trim_end_matches('\r').trim();
        if text.is_empty() {
            out.file.blank_lines += 1;
            continue;
        }
        if is_header_word(text) {
            if out.file.codes.is_empty() && out.file.bad_lines.is_empty() {
                out.file.header_lines += 1;
            } else {
                out.bad(line, header_word_problem());
            }
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

/// Column titles that name the code column, compared with letters and digits only, any case
/// (`Claim Code`, `claim_code`, `CLAIMCODE`).
const CODE_COLUMNS: &[&str] = &[
    "code",
    "claimcode",
    "promocode",
    "promotioncode",
    "couponcode",
    "coupon",
];

/// A title with letters and digits only, lower case.
fn folded(title: &str) -> String {
    title
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Turns byte offsets into 1-based line numbers as an editor shows them (`\n`, `\r\n` and a
/// lone `\r` each end a line), for offsets that only grow.
///
/// The csv crate's own `Position::line` skips blank lines and counts `\r\n` as two breaks,
/// and its `Position::byte` points at the line breaks before a record; so the record's first
/// byte is found here (a record never starts with a line break: that would be a blank line
/// skipped) and counted from the file itself.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `from` that is not a line break.
    fn line_of_record_at(&mut self, from: usize) -> usize {
        let start = self
            .bytes
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, b)| **b != b'\r' && **b != b'\n')
            .map_or(self.bytes.len(), |(i, _)| i);
        let mut prev_cr = self
            .offset
            .checked_sub(1)
            .and_then(|i| self.bytes.get(i))
            .is_some_and(|b| *b == b'\r');
        for b in self.bytes.get(self.offset..start).unwrap_or_default() {
            match b {
                b'\n' if prev_cr => {}
                b'\n' | b'\r' => self.line += 1,
                _ => {}
            }
            prev_cr = *b == b'\r';
        }
        self.offset = self.offset.max(start);
        self.line
    }
}

fn parse_csv(bytes: &[u8], encoding: Encoding) -> Result<ParsedFile, FileError> {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    // The most frequent of the three on the header row; a comma when none is there.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(*d), *d == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| FileError::Csv(csv_reason(&e).into()))?
        .clone();
    let column = headers
        .iter()
        .position(|h| CODE_COLUMNS.contains(&folded(&String::from_utf8_lossy(h)).as_str()))
        .ok_or(FileError::NoCodeColumn)?;
    let mut out = Collector::default();
    out.file.header_lines = 1;
    let mut lines = LineCounter::new(bytes);
    let mut record = csv::ByteRecord::new();
    loop {
        let before = reader.position().byte() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(before, |p| p.byte() as usize);
                let why = format!("unreadable CSV row: {}", csv_reason(&e));
                out.bad(lines.line_of_record_at(at), LineProblem::Invalid(why));
                continue;
            }
        }
        let at = record.position().map_or(before, |p| p.byte() as usize);
        let line = lines.line_of_record_at(at);
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
            Err(_) => out.bad(line, encoding.invalid()),
            Ok(text) if is_header_word(text.trim()) => out.bad(line, header_word_problem()),
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

    #[test]
    fn csv_lines_are_numbered_as_the_file_is_with_crlf_blanks_and_quoted_line_breaks() {
        let file =
            b"note,code\r\nx,AAAA-1111\r\n\r\n\"two\r\nlines\",bad!\r\n\n\ny,BBBB-2222\rz,CCCC-3333\r\n";
        let parsed = parse_code_file(file, FileFormat::Csv).unwrap();
        let codes: Vec<usize> = parsed.codes.iter().map(|(l, _)| *l).collect();
        assert_eq!(codes, vec![2, 8, 9]);
        assert_eq!(
            parsed.bad_lines.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![4]
        );
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn a_column_title_in_capitals_is_a_header_before_the_codes_and_a_bad_line_after() {
        for title in ["CODE", "CLAIMCODE", "CLAIM-CODE", "Codes", "PROMO-CODES"] {
            let file = format!("{title}\nABCD-1234\nWXYZ-9999\n{title}\n");
            let parsed = parse_code_file(file.as_bytes(), FileFormat::Text).unwrap();
            let codes: Vec<_> = parsed.codes.iter().map(|(_, c)| c.expose()).collect();
            assert_eq!(codes, ["ABCD-1234", "WXYZ-9999"], "{title}");
            assert_eq!(parsed.header_lines, 1, "{title}");
            assert_eq!(parsed.bad_lines.len(), 1, "{title}");
            assert_eq!(parsed.bad_lines[0].line, 4);
            assert_eq!(
                parsed.bad_lines[0].problem.to_string(),
                "a column title, not a code"
            );
        }
        // A repeated header row inside a CSV is a bad row, not a code.
        let csv = parse_code_file(b"code\nABCD-1234\nCODE\n", FileFormat::Csv).unwrap();
        assert_eq!(csv.codes.len(), 1);
        assert_eq!(csv.bad_lines[0].line, 3);
    }

    #[test]
    fn tab_separated_files_are_tables_by_name_or_by_their_first_line() {
        let tsv = b"Promotion ID\tClaim Code\tStatus\nA1B2\tabcd-1234\tnew\nA1B2\tWXYZ-9999\tnew\n";
        for name in ["codes.tsv", "codes.txt", "download"] {
            let parsed = parse_code_file(tsv, FileFormat::from_file_name(name)).unwrap();
            let codes: Vec<_> = parsed.codes.iter().map(|(l, c)| (*l, c.expose())).collect();
            assert_eq!(codes, [(2, "ABCD-1234"), (3, "WXYZ-9999")], "{name}");
        }
        // Excel's "Unicode Text": UTF-16 little endian, tab-separated, CRLF.
        let excel = utf16("Claim Code\tNote\r\nabcd-1234\tx\r\nWXYZ-9999\t\r\n", false);
        let parsed = parse_code_file(&excel, FileFormat::from_file_name("codes.txt")).unwrap();
        assert_eq!(parsed.codes.len(), 2);
        assert!(parsed.bad_lines.is_empty(), "{:?}", parsed.bad_lines);
    }

    #[test]
    fn utf16_files_with_a_byte_order_mark_are_read_in_either_byte_order() {
        for big_endian in [false, true] {
            let file = utf16("Claim Code\r\nabcd-1234\r\nWXYZ-9999\r\n", big_endian);
            let parsed = parse_code_file(&file, FileFormat::Text).unwrap();
            assert_eq!(parsed.codes.len(), 2);
            assert_eq!(parsed.header_lines, 1);
            let csv = utf16("code;n\nabcd-1234;1\n", big_endian);
            assert_eq!(
                parse_code_file(&csv, FileFormat::Csv).unwrap().codes.len(),
                1
            );
        }
    }

    #[test]
    fn an_undecodable_utf16_line_is_reported_by_number() {
        let mut file = utf16("ABCD-1234\nEFGH-5678\n", false);
        // A lone high surrogate inside line 2, then an odd trailing byte on line 3.
        file.splice(24..24, [0x00, 0xD8]);
        file.push(0x41);
        let parsed = parse_code_file(&file, FileFormat::Text).unwrap();
        assert_eq!(parsed.codes.len(), 1);
        let bad: Vec<_> = parsed
            .bad_lines
            .iter()
            .map(|b| (b.line, b.problem.to_string()))
            .collect();
        assert_eq!(
            bad,
            vec![
                (2, "not valid UTF-16".to_owned()),
                (3, "not valid UTF-16".to_owned())
            ]
        );
    }

    use proptest::prelude::*;

    fn valid_code() -> impl Strategy<Value = String> {
        "[A-Z0-9]{4,8}(-[A-Z0-9]{4,8}){0,3}"
            .prop_filter("a column title is no code", |c| !is_header_word(c))
    }

    /// What any parse must guarantee: only valid, distinct codes, at lines the file has.
    fn check_parsed(bytes: &[u8], format: FileFormat) -> Result<Option<ParsedFile>, TestCaseError> {
        let Ok(parsed) = parse_code_file(bytes, format) else {
            return Ok(None);
        };
        // Lines as the parser numbers them (a UTF-16 file decoded first).
        let lines = decode(bytes).0.iter().filter(|b| **b == b'\n').count() + 1;
        let mut seen = std::collections::HashSet::new();
        for (line, code) in &parsed.codes {
            prop_assert!((1..=lines).contains(line));
            prop_assert_eq!(PromoCode::parse(code.expose()), Ok(code.clone()));
            prop_assert!(seen.insert(code.clone()), "a code is kept once");
        }
        prop_assert!(parsed.codes.windows(2).all(|w| w[0].0 <= w[1].0));
        prop_assert!(
            parsed
                .bad_lines
                .iter()
                .all(|b| (1..=lines).contains(&b.line))
        );
        Ok(Some(parsed))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_as_a_text_file_account_for_every_line(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            if let Some(p) = check_parsed(&bytes, FileFormat::Text)? {
                // Lines as the parser reads them: after a byte-order mark, and decoded when
                // that mark says UTF-16 (random bytes starting FF FE are UTF-16).
                let (body, _) = decode(&bytes);
                let lines = body.split(|b| *b == b'\n').count();
                let judged = p.codes.len() + p.bad_lines.len() + p.header_lines + p.blank_lines;
                prop_assert_eq!(judged, lines, "every line is a code, a bad line, a header or blank");
            }
        }

        #[test]
        fn any_text_as_utf16_accounts_for_every_line(text in any::<String>(), big_endian in any::<bool>()) {
            let file = utf16(&text, big_endian);
            if let Some(p) = check_parsed(&file, FileFormat::Text)? {
                let lines = text.split('\n').count();
                let judged = p.codes.len() + p.bad_lines.len() + p.header_lines + p.blank_lines;
                prop_assert_eq!(judged, lines, "every line of the UTF-16 text is judged");
            }
        }

        #[test]
        fn any_bytes_as_a_csv_file_give_only_valid_codes(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            check_parsed(&bytes, FileFormat::Csv)?;
        }

        #[test]
        fn any_bytes_behind_a_utf16_mark_give_only_valid_codes(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096), big_endian in any::<bool>(),
        ) {
            let mut file = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            file.extend(bytes);
            parse_code_file(&file, FileFormat::Text).ok();
            parse_code_file(&file, FileFormat::Csv).ok();
        }

        #[test]
        fn any_unicode_lines_give_only_valid_codes(
            lines in proptest::collection::vec(prop_oneof![valid_code(), "\\PC{0,40}", any::<String>()], 0..40),
            crlf in any::<bool>(),
        ) {
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            check_parsed(text.as_bytes(), FileFormat::Text)?;
            check_parsed(format!("code,note\n{text}").as_bytes(), FileFormat::Csv)?;
        }

        #[test]
        fn written_codes_read_back_in_order_at_their_lines_in_every_encoding(
            codes in proptest::collection::btree_set(valid_code(), 1..30),
            blank_every in 2usize..6,
            crlf in any::<bool>(),
            encoding in 0..3u8,
            csv in any::<bool>(),
        ) {
            let codes: Vec<String> = codes.into_iter().collect();
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            let mut want = Vec::new();
            let mut line = 1;
            if csv {
                text.push_str("note;Claim Code");
                text.push_str(nl);
                line += 1;
            }
            for (i, code) in codes.iter().enumerate() {
                if i % blank_every == 1 {
                    text.push_str(nl);
                    line += 1;
                }
                if csv {
                    text.push_str(&format!("\"n;{i}\";{}", code.to_ascii_lowercase()));
                } else {
                    text.push_str(code);
                }
                text.push_str(nl);
                want.push((line, code.clone()));
                line += 1;
            }
            let bytes = match encoding {
                0 => text.into_bytes(),
                1 => utf16(&text, false),
                _ => utf16(&text, true),
            };
            let format = if csv { FileFormat::Csv } else { FileFormat::Text };
            let parsed = parse_code_file(&bytes, format).expect("parses");
            prop_assert!(parsed.bad_lines.is_empty(), "{:?}", parsed.bad_lines);
            let got: Vec<(usize, String)> =
                parsed.codes.iter().map(|(l, c)| (*l, c.expose().to_owned())).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn a_hostile_line_after_the_first_code_is_never_dropped(
            code in valid_code(), hostile in "\\PC{1,40}", nl in prop_oneof![Just("\n"), Just("\r\n")],
        ) {
            let file = format!("{code}{nl}{hostile}{nl}");
            let parsed = parse_code_file(file.as_bytes(), FileFormat::Text).expect("parses");
            let on_line_2 = parsed.codes.iter().any(|(l, _)| *l == 2)
                || parsed.bad_lines.iter().any(|b| b.line == 2)
                || (hostile.trim().is_empty() && parsed.blank_lines == 2);
            prop_assert!(on_line_2, "line 2 was judged");
            for b in &parsed.bad_lines {
                // Reasons are fixed texts naming at most one character: never the line itself.
                prop_assert!(hostile.trim().len() < 8 || !b.problem.to_string().contains(hostile.trim()));
            }
        }
    }
}
