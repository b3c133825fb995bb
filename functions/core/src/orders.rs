//! Amazon's All Orders report (Seller Central > Reports > Fulfillment / Order Reports): a
//! tab-separated file with one row per order item. It never carries the claim code, only the
//! promotions applied, in the `promotion-ids` column. Each influencer with its own promotion
//! (its own claim-code group) is credited with the orders that carry that promotion's id.

use crate::error::ParseError;

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
}

fn column(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name)
}

/// Parses the report. A file without the `amazon-order-id` and `promotion-ids` columns is
/// refused as a whole; a bad row is reported by line number and the rest are kept.
pub fn parse_orders_report(bytes: &[u8]) -> Result<OrdersReport, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(true)
        .quoting(false)
        .has_headers(false)
        .from_reader(bytes);
    let mut rows = reader.byte_records();
    let headers: Vec<String> = match rows.next() {
        Some(Ok(h)) => h
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
    let order_col = need("amazon-order-id")?;
    let promo_col = need("promotion-ids")?;
    let status_col = column(&headers, "order-status");
    let date_col = column(&headers, "purchase-date");
    let asin_col = column(&headers, "asin");
    let qty_col = column(&headers, "quantity");

    let mut report = OrdersReport::default();
    for (i, row) in rows.enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                report.bad.push(BadOrderLine {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let field = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                .filter(|f| !f.is_empty())
        };
        if row.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let Some(order_id) = field(Some(order_col)) else {
            report.bad.push(BadOrderLine {
                line,
                reason: "no amazon-order-id".into(),
            });
            continue;
        };
        if order_id.len() > 64
            || !order_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            report.bad.push(BadOrderLine {
                line,
                reason: "amazon-order-id is not an order id".into(),
            });
            continue;
        }
        if field(status_col).is_some_and(|s| s.eq_ignore_ascii_case("cancelled")) {
            report.cancelled += 1;
            continue;
        }
        let promotion_ids: Vec<String> = field(Some(promo_col))
            .unwrap_or_default()
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if promotion_ids.is_empty() {
            report.without_promotion += 1;
            continue;
        }
        let quantity = match field(qty_col) {
            None => 1,
            Some(q) => match q.parse::<u32>() {
                Ok(q) => q,
                Err(_) => {
                    report.bad.push(BadOrderLine {
                        line,
                        reason: "quantity is not a whole number".into(),
                    });
                    continue;
                }
            },
        };
        report.lines.push(OrderLine {
            line,
            order_id,
            purchase_date: field(date_col),
            asin: field(asin_col),
            quantity,
            promotion_ids,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
