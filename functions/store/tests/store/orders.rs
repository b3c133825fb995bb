//! Amazon orders: each (order, promotion) is credited once, with its units and amounts summed
//! per currency, however often and however concurrently a report is imported.

use crate::common::{influencer, open_campaign, store};
use futures::future::join_all;
use promo_core::Timestamp;
use promo_core::orders::{Money, OrderLine};
use promo_store::admin::{PromotionOwner, Sales};

fn line(order: u32, quantity: u32, currency: &str, price: i64, discount: i64) -> OrderLine {
    OrderLine {
        line: order as usize + 2,
        order_id: format!("111-0000000-{order:07}"),
        purchase_date: Some("2026-11-20T10:00:00+00:00".into()),
        asin: Some("B00TEST123".into()),
        quantity,
        promotion_ids: vec!["PROMO-A".into()],
        currency: Some(currency.into()),
        item_price: Some(Money(price)),
        discount: Some(Money(discount)),
        sales_channel: Some("Amazon.com".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_report_imported_twice_at_once_credits_each_order_once_with_its_amounts() {
    let store = store().await;
    let (id, _) = open_campaign(&store, "sales", 4).await;
    store
        .add_influencer(&id, influencer("alice"), "Alice", None)
        .await
        .expect("alice");
    let owner = PromotionOwner {
        campaign: id.clone(),
        influencer: influencer("alice"),
    };
    store
        .set_promotion("PROMO-A", &owner)
        .await
        .expect("promotion");
    // 30 orders: two in EUR, the rest in USD, 1 to 3 units each.
    let lines: Vec<OrderLine> = (0..30u32)
        .map(|i| {
            let currency = if i < 2 { "EUR" } else { "USD" };
            line(i, 1 + i % 3, currency, 1_999 * i64::from(1 + i % 3), 400)
        })
        .collect();
    let now = Timestamp::now();
    // Every line recorded by four importers at once, twice over.
    for round in 0..2 {
        let attempts: Vec<_> = lines
            .iter()
            .flat_map(|l| std::iter::repeat_n(l, 4))
            .map(|l| {
                let (store, owner) = (store.clone(), owner.clone());
                async move { store.record_order(l, "PROMO-A", &owner, now).await }
            })
            .collect();
        let recorded = join_all(attempts).await;
        let firsts = recorded
            .into_iter()
            .map(|r| r.expect("store answers"))
            .filter(|first| *first)
            .count();
        assert_eq!(firsts, if round == 0 { 30 } else { 0 }, "round {round}");
    }
    let stats = store.campaign_stats(&id, now).await.expect("stats");
    let alice = stats
        .influencers
        .iter()
        .find(|r| r.influencer.as_str() == "alice")
        .expect("alice");
    assert_eq!(alice.orders, 30);
    let units: u32 = (0..30).map(|i| 1 + i % 3).sum();
    assert_eq!(alice.units, units);
    let usd: i64 = (2..30).map(|i| 1_999 * i64::from(1 + i % 3)).sum();
    assert_eq!(
        alice.sales,
        [
            Sales {
                currency: "EUR".into(),
                revenue: Money(1_999 + 2 * 1_999),
                discount: Money(800),
            },
            Sales {
                currency: "USD".into(),
                revenue: Money(usd),
                discount: Money(28 * 400),
            },
        ]
    );
    assert_eq!(stats.sales, alice.sales, "the campaign's sum is alice's");
    assert_eq!(stats.units, units);
    assert_eq!(alice.promotion.as_deref(), Some("PROMO-A"));
}
