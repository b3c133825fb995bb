//! Amazon's All Orders report (Seller Central > Reports > Fulfillment / Order Reports): a
//! tab-separated file with one row per order item. It never carries the claim code, only the
//! promotions applied, in the `promotion-ids` column. Each influencer with its own promotion
//! (its own claim-code group) is credited with the orders that carry that promotion's id.
//!
//! The report is not quoted: each line is one row, and line numbers are the file's own.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in hundredths of its currency's unit (cents; for a currency without
/// minor units such as JPY, hundredths of a yen), exact: no floating point anywhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// The largest amount a report cell may hold: ten billion units.
const MAX_MONEY: i64 = 1_000_000_000_000;

impl Money {
    /// Parses `19.99`, `-4.00`, `20` or `0.5`: an optional sign, digits, and at most two
    /// decimals after a point. Anything else (thousands separators, currency signs, exponents)
    /// is refused rather than guessed.
    pub fn parse(text: &str) -> Option<Self> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || fraction.len() > 2 {
            return None;
        }
        if !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let cents =
            whole.parse::<i64>().ok()? * 100 + format!("{fraction:0<2}").parse::<i64>().ok()?;
        (cents <= MAX_MONEY).then_some(Self(if negative { -cents } else { cents }))
    }

    /// The amount without its sign.
    pub fn abs(self) -> Self {
        Self(self.0.saturating_abs())
    }

    /// `rate_bp` basis points of this amount (1000 = 10%), rounded half away from zero to a
    /// hundredth.
    pub fn share(self, rate_bp: u32) -> Self {
        let product = i128::from(self.0) * i128::from(rate_bp);
        let rounded = (product.abs() + 5_000) / 10_000 * product.signum();
        Self(i64::try_from(rounded).unwrap_or(i64::MAX))
    }
}

impl std::ops::Add for Money {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

// As the decimal text, so that JSON readers never meet a float.
impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not an amount"))
    }
}

/// One order item that carries at least one promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// `amazon-order-id`.
    pub order_id: String,
    /// `purchase-date` as written (ISO 8601), if present.
    pub purchase_date: Option<String>,
    /// `asin`, if present.
    pub asin: Option<String>,
    /// `quantity`, 1 when absent.
    pub quantity: u32,
    /// `currency` (ISO 4217, e.g. `USD`), if present.
    pub currency: Option<String>,
    /// `item-price`: what the buyer paid for the item row (all its units), before the
    /// promotion's discount is taken off; `None` when the cell is empty (pending orders).
    pub item_price: Option<Money>,
    /// `item-promotion-discount`, without its sign (reports write it either way).
    pub discount: Option<Money>,
    /// `sales-channel`, e.g. `Amazon.com`: the marketplace the order was placed on.
    pub sales_channel: Option<String>,
    /// The promotion ids applied, trimmed, in file order.
    pub promotion_ids: Vec<String>,
}

/// A row that could not be read, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOrderLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// A parsed report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdersReport {
    /// Rows with promotions, not cancelled.
    pub lines: Vec<OrderLine>,
    /// Rows without any promotion (not relevant to attribution).
    pub without_promotion: usize,
    /// Cancelled rows (never credited).
    pub cancelled: usize,
    /// Rows that could not be read.
    pub bad: Vec<BadOrderLine>,
    /// Rows with nothing but whitespace.
    pub blank_rows: usize,
}

/// The longest `amazon-order-id` taken (Amazon's are 19 characters: `123-1234567-1234567`).
pub const MAX_ORDER_ID: usize = 64;
/// The longest promotion id taken. Amazon's tracking ids and promotion names are far shorter;
/// the bound keeps every id well inside a table key.
pub const MAX_PROMOTION_ID: usize = 200;
/// The longest `purchase-date` taken.
pub const MAX_PURCHASE_DATE: usize = 64;
/// The longest `asin` taken (ASINs are 10 characters).
pub const MAX_ASIN: usize = 32;

fn column(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name)
}

/// One row's fields, read as text only where they are used: other columns (product names in a
/// local encoding, say) never make a row bad.
struct Row<'a> {
    fields: Vec<&'a [u8]>,
}

impl<'a> Row<'a> {
    /// Splits one line (without its `\n`) at tabs. The report is not quoted, so a line is a row.
    fn split(line: &'a [u8]) -> Self {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Self {
            fields: line.split(|b| *b == b'\t').collect(),
        }
    }

    fn is_blank(&self) -> bool {
        self.fields
            .iter()
            .all(|f| f.iter().all(u8::is_ascii_whitespace))
    }

    /// The trimmed text of column `c`, `None` when the column is absent or empty.
    fn text(&self, c: Option<usize>, name: &str) -> Result<Option<&'a str>, String> {
        let Some(raw) = c.and_then(|c| self.fields.get(c).copied()) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(raw).map_err(|_| format!("{name} is not valid UTF-8"))?;
        let text = text.trim();
        if text.chars().any(char::is_control) {
            return Err(format!("{name} contains a control character"));
        }
        Ok(Some(text).filter(|t| !t.is_empty()))
    }

    /// Like [`Row::text`], at most `max` bytes long.
    fn bounded(&self, c: Option<usize>, name: &str, max: usize) -> Result<Option<&'a str>, String> {
        match self.text(c, name)? {
            Some(t) if t.len() > max => Err(format!("{name} is longer than {max} characters")),
            t => Ok(t),
        }
    }
}

/// The columns the parser reads, found in the header row.
struct Columns {
    order: usize,
    promotions: usize,
    status: Option<usize>,
    date: Option<usize>,
    asin: Option<usize>,
    quantity: Option<usize>,
    currency: Option<usize>,
    price: Option<usize>,
    discount: Option<usize>,
    channel: Option<usize>,
}

/// The longest `sales-channel` taken (`Amazon.com.mx` and the like; `Non-Amazon ...`).
pub const MAX_SALES_CHANNEL: usize = 64;

/// What one data row comes to.
enum RowOutcome {
    Line(OrderLine),
    WithoutPromotion,
    Cancelled,
    Blank,
}

fn read_row(cols: &Columns, row: &Row<'_>, line: usize) -> Result<RowOutcome, String> {
    if row.is_blank() {
        return Ok(RowOutcome::Blank);
    }
    let order_id = row
        .text(Some(cols.order), "amazon-order-id")?
        .ok_or("no amazon-order-id")?;
    if order_id.len() > MAX_ORDER_ID
        || !order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err("amazon-order-id is not an order id".into());
    }
    if row
        .text(cols.status, "order-status")?
        .is_some_and(|s| s.eq_ignore_ascii_case("cancelled"))
    {
        return Ok(RowOutcome::Cancelled);
    }
    let mut promotion_ids = Vec::new();
    for p in row
        .text(Some(cols.promotions), "promotion-ids")?
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if p.len() > MAX_PROMOTION_ID {
            return Err(format!(
                "a promotion id is longer than {MAX_PROMOTION_ID} characters"
            ));
        }
        promotion_ids.push(p.to_owned());
    }
    if promotion_ids.is_empty() {
        return Ok(RowOutcome::WithoutPromotion);
    }
    let quantity = match row.text(cols.quantity, "quantity")? {
        None => 1,
        // Digits only: `str::parse` would also take a leading '+'.
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => q
            .parse::<u32>()
            .map_err(|_| "quantity is too large".to_owned())?,
        Some(_) => return Err("quantity is not a whole number".into()),
    };
    let purchase_date = row.bounded(cols.date, "purchase-date", MAX_PURCHASE_DATE)?;
    let asin = row.bounded(cols.asin, "asin", MAX_ASIN)?;
    if asin.is_some_and(|a| !a.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err("asin may contain only letters and digits".into());
    }
    let currency = row.bounded(cols.currency, "currency", 3)?;
    if currency.is_some_and(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err("currency is not a three-letter code".into());
    }
    let amount = |c: Option<usize>, name: &str| -> Result<Option<Money>, String> {
        match row.bounded(c, name, 20)? {
            None => Ok(None),
            Some(t) => Money::parse(t)
                .map(Some)
                .ok_or_else(|| format!("{name} is not an amount like 19.99")),
        }
    };
    let item_price = amount(cols.price, "item-price")?;
    let discount = amount(cols.discount, "item-promotion-discount")?.map(Money::abs);
    let sales_channel = row.bounded(cols.channel, "sales-channel", MAX_SALES_CHANNEL)?;
    Ok(RowOutcome::Line(OrderLine {
        line,
        order_id: order_id.to_owned(),
        purchase_date: purchase_date.map(str::to_owned),
        asin: asin.map(str::to_owned),
        quantity,
        promotion_ids,
        currency: currency.map(str::to_ascii_uppercase),
        item_price,
        discount,
        sales_channel: sales_channel.map(str::to_owned),
    }))
}

/// Parses the report. A file without the `amazon-order-id` and `promotion-ids` columns is
/// refused as a whole; a bad row is reported by line number and the rest are kept. Any bytes
/// are safe to pass: every data row is counted exactly once (a line, without promotion,
/// cancelled, blank or bad), and a reason names the column, never its content.
pub fn parse_orders_report(bytes: &[u8]) -> Result<OrdersReport, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // A final line break ends the last row; it does not start an empty one.
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut lines = bytes.split(|b| *b == b'\n');
    let headers: Vec<String> = match lines.next().map(Row::split) {
        Some(h) if !h.is_blank() => h
            .fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
            .collect(),
        _ => return Err(ParseError::new("orders report", "the file is empty")),
    };
    let need = |name: &str| {
        column(&headers, name).ok_or_else(|| {
            ParseError::new(
                "orders report",
                format!("no `{name}` column: is this the All Orders report (tab-separated)?"),
            )
        })
    };
    let cols = Columns {
        order: need("amazon-order-id")?,
        promotions: need("promotion-ids")?,
        status: column(&headers, "order-status"),
        date: column(&headers, "purchase-date"),
        asin: column(&headers, "asin"),
        quantity: column(&headers, "quantity"),
        currency: column(&headers, "currency"),
        price: column(&headers, "item-price"),
        discount: column(&headers, "item-promotion-discount"),
        channel: column(&headers, "sales-channel"),
    };

    let mut report = OrdersReport::default();
    for (i, text) in lines.enumerate() {
        let line = i + 2;
        match read_row(&cols, &Row::split(text), line) {
            Ok(RowOutcome::Line(l)) => report.lines.push(l),
            Ok(RowOutcome::WithoutPromotion) => report.without_promotion += 1,
            Ok(RowOutcome::Cancelled) => report.cancelled += 1,
            Ok(RowOutcome::Blank) => report.blank_rows += 1,
            Err(reason) => report.bad.push(BadOrderLine { line, reason }),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_hundredths_and_anything_unusual_is_refused() {
        for (text, cents) in [
            ("19.99", 1999),
            ("-4.00", -400),
            ("20", 2000),
            ("0.5", 50),
            ("2499", 249_900),
        ] {
            assert_eq!(Money::parse(text), Some(Money(cents)), "{text}");
        }
        for text in [
            "",
            "-",
            ".5",
            "1,234.56",
            "$5",
            "1e3",
            "1.234",
            "+5",
            " 5",
            "9999999999999",
        ] {
            assert_eq!(Money::parse(text), None, "{text:?}");
        }
        assert_eq!(Money(1999).to_string(), "19.99");
        assert_eq!(Money(-5).to_string(), "-0.05");
        // 10% of 19.99 is 1.999: 2.00, half away from zero.
        assert_eq!(Money(1999).share(1_000), Money(200));
        assert_eq!(Money(-1999).share(1_000), Money(-200));
        assert_eq!(Money(1).share(4_999), Money(0));
        assert_eq!(serde_json::to_string(&Money(1999)).unwrap(), "\"19.99\"");
    }

    #[test]
    fn price_discount_currency_and_channel_are_read_and_checked() {
        let file = format!(
            "{HEADER}\n{}",
            row("111-0000001-0000001", "Shipped", "2", "PROMO-A")
        );
        let line = &parse_orders_report(file.as_bytes()).unwrap().lines[0];
        assert_eq!(line.item_price, Some(Money(1999)));
        assert_eq!(line.discount, Some(Money(400)), "the sign is dropped");
        assert_eq!(line.currency.as_deref(), Some("USD"));
        assert_eq!(line.sales_channel.as_deref(), Some("Amazon.com"));
        let bad = row("111-0000001-0000002", "Shipped", "1", "PROMO-A").replace("19.99", "19,99");
        let bad = parse_orders_report(format!("{HEADER}\n{bad}").as_bytes()).unwrap();
        assert_eq!(bad.bad[0].reason, "item-price is not an amount like 19.99");
        let pending =
            row("111-0000001-0000003", "Pending", "1", "PROMO-A").replace("\t19.99\t-4.00", "\t\t");
        let pending = parse_orders_report(format!("{HEADER}\n{pending}").as_bytes()).unwrap();
        assert_eq!(pending.lines[0].item_price, None);
    }

    const HEADER: &str = "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-promotion-discount\tpromotion-ids";

    fn row(order: &str, status: &str, qty: &str, promos: &str) -> String {
        format!(
            "{order}\t\t2026-11-20T10:00:00+00:00\t2026-11-20T11:00:00+00:00\t{status}\tAmazon\tAmazon.com\tWidget\tSKU-1\tB00TEST123\tShipped\t{qty}\tUSD\t19.99\t-4.00\t{promos}"
        )
    }

    #[test]
    fn rows_with_promotions_are_kept_others_are_counted() {
        let file = [
            format!("\u{feff}{HEADER}"),
            row("111-0000001-0000001", "Shipped", "1", "PROMO-ALICE"),
            row(
                "111-0000001-0000002",
                "Shipped",
                "2",
                "Core Free Shipping, PROMO-BOB",
            ),
            row("111-0000001-0000003", "Shipped", "1", ""),
            row("111-0000001-0000004", "Cancelled", "1", "PROMO-ALICE"),
            row("111-0000001-0000005", "Shipped", "many", "PROMO-ALICE"),
            row("", "Shipped", "1", "PROMO-ALICE"),
            String::new(),
        ]
        .join("\r\n");
        let r = parse_orders_report(file.as_bytes()).expect("parses");
        assert_eq!(r.lines.len(), 2);
        assert_eq!(r.lines[0].order_id, "111-0000001-0000001");
        assert_eq!(r.lines[0].line, 2);
        assert_eq!(
            r.lines[1].promotion_ids,
            vec!["Core Free Shipping", "PROMO-BOB"]
        );
        assert_eq!(r.lines[1].quantity, 2);
        assert_eq!(r.lines[1].asin.as_deref(), Some("B00TEST123"));
        assert_eq!(r.without_promotion, 1);
        assert_eq!(r.cancelled, 1);
        let bad: Vec<usize> = r.bad.iter().map(|b| b.line).collect();
        assert_eq!(bad, vec![6, 7]);
    }

    #[test]
    fn a_file_that_is_not_the_report_is_refused() {
        assert!(parse_orders_report(b"").is_err());
        assert!(parse_orders_report(b"code\nABCD-123456-EFGHIJ\n").is_err());
        assert!(parse_orders_report(b"amazon-order-id,promotion-ids\n1,2\n").is_err());
    }

    #[test]
    fn a_row_after_a_blank_line_keeps_its_own_line_number() {
        let file = format!(
            "{HEADER}\n\n{}\n\t \t\n{}\n",
            row("111-0000001-0000001", "Shipped", "1", "P1"),
            row("111-0000001-0000002", "Shipped", "+2", "P1"),
        );
        let r = parse_orders_report(file.as_bytes()).expect("parses");
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].line, 3);
        assert_eq!(r.blank_rows, 2);
        assert_eq!(
            r.bad,
            vec![BadOrderLine {
                line: 5,
                reason: "quantity is not a whole number".into()
            }]
        );
    }

    #[test]
    fn fields_that_could_not_sit_in_a_key_or_a_terminal_make_the_row_bad() {
        let long = "P".repeat(MAX_PROMOTION_ID + 1);
        let rows = [
            row("111-0000001-0000001", "Shipped", "1", &long),
            row(
                "111-0000001-0000002",
                "Shipped",
                "1",
                "P1\u{1b}]0;owned\u{7}",
            ),
            row("111-0000001-0000003", "Shipped", "99999999999", "P1"),
            row("111-0000001-0000004", "Shipped", "1", "P1").replace("B00TEST123", "B00 TEST"),
        ];
        let mut file = HEADER.as_bytes().to_vec();
        for r in &rows {
            file.push(b'\n');
            file.extend_from_slice(r.as_bytes());
        }
        // Not UTF-8 in promotion-ids (line 6), then only in product-name, which is not read (7).
        file.extend_from_slice(b"\n111-0000001-0000005\t\t\t\tShipped\t\t\t\t\t\t\t1\t\t\t\t\xffP");
        file.extend_from_slice(
            b"\n111-0000001-0000006\t\t\t\tShipped\t\t\t\xff\t\t\t\t1\t\t\t\tP1\n",
        );
        let r = parse_orders_report(&file).expect("parses");
        assert_eq!(
            r.bad.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 5, 6]
        );
        for b in &r.bad {
            assert!(
                !b.reason.contains("owned") && !b.reason.contains("PPPP"),
                "{}",
                b.reason
            );
        }
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].line, 7);
        assert_eq!(r.lines[0].promotion_ids, vec!["P1"]);
    }

    use proptest::prelude::*;

    /// How many data rows a file has: its lines after the header, a final line break ending
    /// the last one.
    fn data_rows(bytes: &[u8]) -> usize {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes.split(|b| *b == b'\n').count() - 1
    }

    fn check_report(bytes: &[u8]) -> Result<(), TestCaseError> {
        let Ok(r) = parse_orders_report(bytes) else {
            return Ok(());
        };
        let counted =
            r.lines.len() + r.without_promotion + r.cancelled + r.blank_rows + r.bad.len();
        let rows = data_rows(bytes);
        prop_assert_eq!(counted, rows, "every data row is counted once");
        let last = rows + 1;
        let kept: Vec<usize> = r.lines.iter().map(|l| l.line).collect();
        let bad: Vec<usize> = r.bad.iter().map(|b| b.line).collect();
        for lines in [kept, bad] {
            prop_assert!(lines.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(lines.iter().all(|l| (2..=last).contains(l)));
        }
        for l in &r.lines {
            prop_assert!(!l.order_id.is_empty() && l.order_id.len() <= MAX_ORDER_ID);
            prop_assert!(
                l.order_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            );
            prop_assert!(!l.promotion_ids.is_empty());
            for p in &l.promotion_ids {
                prop_assert!(!p.is_empty() && p.len() <= MAX_PROMOTION_ID);
                prop_assert_eq!(p.trim(), p.as_str());
                prop_assert!(!p.contains(',') && !p.chars().any(char::is_control));
            }
            if let Some(a) = &l.asin {
                prop_assert!(a.len() <= MAX_ASIN && a.bytes().all(|b| b.is_ascii_alphanumeric()));
            }
            if let Some(d) = &l.purchase_date {
                prop_assert!(d.len() <= MAX_PURCHASE_DATE && !d.chars().any(char::is_control));
            }
        }
        Ok(())
    }

    /// A field that is sometimes valid, sometimes hostile.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Z0-9-]{0,20}",
            "[0-9]{1,12}",
            "\\PC{0,30}",
            any::<String>(),
            Just("Cancelled".to_owned()),
            Just("PROMO-A, PROMO-B".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_are_refused_or_every_row_is_accounted_for(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            check_report(&bytes)?;
        }

        #[test]
        fn any_rows_under_the_real_header_are_accounted_for_and_well_formed(
            rows in proptest::collection::vec(proptest::collection::vec(field(), 0..18), 0..20),
            junk in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut file = format!("{HEADER}\r\n").into_bytes();
            for r in &rows {
                file.extend_from_slice(r.join("\t").as_bytes());
                file.extend_from_slice(b"\r\n");
            }
            file.extend_from_slice(&junk);
            prop_assert!(parse_orders_report(&file).is_ok());
            check_report(&file)?;
        }

        #[test]
        fn valid_rows_read_back_exactly(
            rows in proptest::collection::vec(
                ("[0-9]{3}-[0-9]{7}-[0-9]{7}", any::<u32>(), proptest::collection::vec("[A-Za-z0-9][A-Za-z0-9 /-]{0,30}[A-Za-z0-9]", 0..3), any::<bool>()),
                0..20,
            ),
        ) {
            let mut file = HEADER.to_owned();
            for (order, qty, promos, cancelled) in &rows {
                let status = if *cancelled { "Cancelled" } else { "Shipped" };
                file.push('\n');
                file.push_str(&row(order, status, &qty.to_string(), &promos.join(", ")));
            }
            let r = parse_orders_report(file.as_bytes()).expect("parses");
            prop_assert!(r.bad.is_empty(), "{:?}", r.bad);
            let want: Vec<OrderLine> = rows
                .iter()
                .enumerate()
                .filter(|(_, (_, _, promos, cancelled))| !cancelled && !promos.is_empty())
                .map(|(i, (order, qty, promos, _))| OrderLine {
                    line: i + 2,
                    order_id: order.clone(),
                    purchase_date: Some("2026-11-20T10:00:00+00:00".into()),
                    asin: Some("B00TEST123".into()),
                    quantity: *qty,
                    promotion_ids: promos.clone(),
                    currency: Some("USD".into()),
                    item_price: Some(Money(1999)),
                    discount: Some(Money(400)),
                    sales_channel: Some("Amazon.com".into()),
                })
                .collect();
            prop_assert_eq!(r.lines, want);
            prop_assert_eq!(r.cancelled, rows.iter().filter(|r| r.3).count());
        }
    }
}
