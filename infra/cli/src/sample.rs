//! The demo's generated inputs: a sample Amazon claim-code file and a crowd of followers.

use anyhow::Context;
use promo_core::InfluencerId;
use promo_core::generate::ALPHABET;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::HashSet;
use std::io::Write;

/// Writes `count` distinct codes shaped like Amazon claim codes (`7GM3-ABCDE2-FGHJK3`) to a temp
/// file as Amazon's text download has them: a "Claim Code" header, CRLF line ends, and some lines
/// in lower case as a hand-edited file might have. The file is deleted when dropped.
pub fn claim_code_file(rng: &mut StdRng, count: u32) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("promo-demo-codes-")
        .suffix(".txt")
        .tempfile()
        .context("creating the sample code file")?;
    let mut text = String::from("Claim Code\r\n");
    let mut seen = HashSet::new();
    while seen.len() < count as usize {
        let code: String = [4, 6, 6]
            .iter()
            .map(|len| {
                (0..*len)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("-");
        if seen.insert(code.clone()) {
            let line = if rng.random_ratio(1, 5) {
                code.to_ascii_lowercase()
            } else {
                code
            };
            text.push_str(&line);
            text.push_str("\r\n");
        }
    }
    file.write_all(text.as_bytes())
        .context("writing the sample code file")?;
    file.flush()?;
    Ok(file)
}

/// The demo's influencers: id and share of the codes reserved as their quota, in percent.
pub const INFLUENCERS: [(&str, &str, u32); 4] = [
    ("alice", "Alice", 30),
    ("bob", "Bob", 20),
    ("carol", "Carol", 15),
    ("dana", "Dana", 10),
];

/// The influencers with an Amazon promotion of their own in the demo: their codes are imported
/// for them alone (`codes import --influencer`).
pub const OWN_PROMOTIONS: [&str; 2] = ["alice", "bob"];

/// The influencers who post one shared code (an Amazon social-media promo code) in the demo,
/// with that code: `codes group --influencer`, as many uses as their quota.
pub const GROUP_CODES: [(&str, &str); 1] = [("dana", "DANA-SOCIAL-15")];

/// True when `code` is one of the demo's group codes.
pub fn is_group_code(code: &str) -> bool {
    GROUP_CODES.iter().any(|(_, c)| *c == code)
}

/// Alice's quota for `codes` codes: 300 of 1000, and so on.
pub fn quota(codes: u32, percent: u32) -> u32 {
    (u64::from(codes) * u64::from(percent) / 100).max(1) as u32
}

/// One simulated follower.
#[derive(Debug, Clone)]
pub struct Fan {
    /// `telegram`, `discord` or `web`.
    pub platform: &'static str,
    /// Their id on the platform.
    pub user_id: String,
    /// The influencer whose link they followed, if any.
    pub influencer: Option<InfluencerId>,
    /// How often they ask (1 to 3).
    pub asks: u32,
}

/// `n` followers on a mix of platforms, following the influencers in proportion to their
/// quotas (the rest come directly), some asking twice or three times.
pub fn crowd(rng: &mut StdRng, n: u32) -> Vec<Fan> {
    let platforms = ["telegram", "discord", "web"];
    (0..n)
        .map(|i| {
            let platform = platforms[rng.random_range(0..platforms.len())];
            let user_id = match platform {
                "web" => format!("shopper-{i}"),
                _ => (100_000_000 + u64::from(i) * 7).to_string(),
            };
            let mut roll = rng.random_range(0..100);
            let mut influencer = None;
            for (id, _, percent) in INFLUENCERS {
                if roll < percent {
                    influencer = InfluencerId::parse(id).ok();
                    break;
                }
                roll -= percent;
            }
            let asks = 1 + u32::from(rng.random_ratio(3, 20)) + u32::from(rng.random_ratio(1, 20));
            Fan {
                platform,
                user_id,
                influencer,
                asks,
            }
        })
        .collect()
}

/// Every ask of every follower (by index), shuffled so that repeats land anywhere, even at the
/// same moment as the first ask.
pub fn asks(rng: &mut StdRng, crowd: &[Fan]) -> Vec<usize> {
    let mut asks: Vec<usize> = crowd
        .iter()
        .enumerate()
        .flat_map(|(i, f)| std::iter::repeat_n(i, f.asks as usize))
        .collect();
    asks.shuffle(rng);
    asks
}
