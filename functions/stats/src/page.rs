//! The dashboards' HTML: one self-contained page each (inline CSS and JS, charts drawn as SVG
//! in the browser from the JSON endpoint next to the page). Nothing is loaded from anywhere else,
//! and the Content-Security-Policy forbids it. The style and the scripts are the files in
//! `assets/`, built into the binary.

/// The Content-Security-Policy of every page: only this page's inline style and script, and
/// `fetch` to its own origin.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                       connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
                       frame-ancestors 'none'";

/// The pages' style sheet.
const STYLE: &str = include_str!("../assets/dashboard.css");

/// What both pages run: SVG charts, tiles, and loading `./stats.json` every minute into the
/// page's own `render`.
const SCRIPT: &str = include_str!("../assets/dashboard.js");

/// The influencer dashboard's `render`.
const INFLUENCER_RENDER: &str = include_str!("../assets/influencer.js");

/// The seller overview's `render`.
const SELLER_RENDER: &str = include_str!("../assets/seller.js");

fn page(title: &str, body: &str, render: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>{STYLE}</style></head><body>{body}\
         <footer id=\"status\">loading…</footer><script>{render}{SCRIPT}</script></body></html>"
    )
}

/// The influencer's dashboard. The data comes from `./stats.json`; nothing about the
/// influencer is baked into the page.
pub fn influencer_page() -> String {
    page(
        "Your promo stats",
        "<header><h1 id=\"title\">Your promo stats</h1><p id=\"sub\"></p></header><main>\
         <div class=\"tiles\" id=\"tiles\"></div>\
         <section><h2 id=\"h-claims\">claims</h2><svg id=\"chart-claims\"></svg></section>\
         <section><h2 id=\"h-redemptions\">redemptions and Amazon orders</h2><svg id=\"chart-redemptions\"></svg></section>\
         <section><h2>conversion (running)</h2><svg id=\"chart-conversion\"></svg></section></main>",
        INFLUENCER_RENDER,
    )
}

/// The seller's overview: every campaign and influencer side by side.
pub fn seller_page() -> String {
    page(
        "Promo overview",
        "<header><h1>Promo overview</h1><p>every campaign, every influencer</p></header>\
         <main id=\"campaigns\"></main>",
        SELLER_RENDER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_asset_closes_the_element_it_is_inlined_in() {
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        for script in [SCRIPT, INFLUENCER_RENDER, SELLER_RENDER] {
            assert!(!script.to_ascii_lowercase().contains("</script"));
        }
    }
}
