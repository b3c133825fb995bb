//! The seller API under attack (user ids that spell one follower two ways, unknown fields, wrong
//! content types, hostile campaign ids in the path, bad API keys, redemptions of codes never
//! issued) and the dashboards (forged, truncated, unicode and huge page tokens).

use super::support::{
    API_KEY, CAMPAIGN, Cases, Expected, Findings, LINK_SECRET, World, answered, claims_are_exactly,
    http, logs_are_clean, send,
};
use serde_json::{Value, json};

async fn start(world: &World) -> crate::common::Serve {
    crate::common::spawn_serve(
        &world.data,
        &[],
        &[
            ("PROMO_API_KEY", API_KEY),
            ("PROMO_LINK_SECRET", LINK_SECRET),
        ],
    )
    .await
}

fn reason(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["reason"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_refuses_hostile_requests_and_issues_nothing() {
    let world = World::seed();
    let serve = start(&world).await;
    let http = http();
    let claims = format!("{}/v1/campaigns/{CAMPAIGN}/claims", serve.base);
    let claim = |body: Value| http.post(&claims).header("x-api-key", API_KEY).json(&body);
    let mut cases = Cases::new("api");
    let mut expected: Expected = Vec::new();
    let mut hostile: Vec<(String, String)> = Vec::new();

    // The control: telegram follower 42 gets a code.
    let code42 = {
        let mut f = Findings::default();
        let a = send(claim(json!({"platform": "telegram", "user_id": "42"}))).await;
        let code = match &a {
            Ok((201, body)) => serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned)),
            other => {
                f.0.push(format!("the control claim answered {other:?}"));
                None
            }
        };
        expected.push(("telegram", "42".into(), "direct"));
        cases.record("control: telegram user 42 claims (201)", f.0);
        code.unwrap_or_default()
    };

    // Other spellings of 42: one follower (the same code, not new) or a 400, never a second code.
    for (what, id) in [
        ("042", json!("042")),
        ("0042", json!("0042")),
        ("\" 42\"", json!(" 42")),
        ("\"42 \"", json!("42 ")),
        ("+42", json!("+42")),
        ("42.0 (number)", json!(42.0)),
        ("Arabic-Indic ٤٢", json!("٤٢")),
        ("full-width ４２", json!("４２")),
        ("42 + NUL", json!("42\u{0}")),
        ("42 + zero-width space", json!("42\u{200B}")),
    ] {
        let mut f = Findings::default();
        let a = send(claim(json!({"platform": "telegram", "user_id": id}))).await;
        match &a {
            Ok((400, body)) => f.no_leak(&world, "the response", body),
            Ok((200, body)) => {
                let v: Value = serde_json::from_str(body).unwrap_or_default();
                f.expect(v["code"] == code42.as_str() && v["new"] == false, || {
                    "answered 200 with another follower's claim".into()
                });
            }
            other => f.0.push(format!(
                "want 400 or the same follower's code, got {other:?} (a second follower?)"
            )),
        }
        cases.record(
            &format!(
                "user id {what}: one follower with 42, or 400 (got {})",
                super::support::status(&a)
            ),
            f.0,
        );
    }
    hostile.extend(
        [
            "042",
            "0042",
            " 42",
            "42 ",
            "+42",
            "٤٢",
            "４２",
            "42\u{0}",
            "42\u{200B}",
        ]
        .iter()
        .map(|u| (format!("user id {u:?}"), (*u).to_owned())),
    );

    for (what, body) in [
        (
            "empty user id",
            json!({"platform": "telegram", "user_id": ""}),
        ),
        (
            "10 KB user id",
            json!({"platform": "telegram", "user_id": "1".repeat(10 * 1024)}),
        ),
        (
            "10 KB web user id",
            json!({"platform": "web", "user_id": "a".repeat(10 * 1024)}),
        ),
        (
            "negative user id",
            json!({"platform": "telegram", "user_id": -42}),
        ),
        (
            "user id beyond u64",
            json!({"platform": "telegram", "user_id": "184467440737095516160"}),
        ),
        (
            "unknown platform",
            json!({"platform": "icq", "user_id": "43"}),
        ),
        (
            "platform with multi-byte chars",
            json!({"platform": "tеlegram", "user_id": "43"}),
        ),
        (
            "unknown field",
            json!({"platform": "telegram", "user_id": "43", "admin": true}),
        ),
        (
            "user_id twice in spirit (userId)",
            json!({"platform": "telegram", "user_id": "43", "userId": "44"}),
        ),
        (
            "influencer that does not exist",
            json!({"platform": "telegram", "user_id": "43", "influencer": "mallory"}),
        ),
        (
            "influencer with multi-byte chars",
            json!({"platform": "telegram", "user_id": "43", "influencer": "alicé"}),
        ),
        ("missing user id", json!({"platform": "telegram"})),
        ("not an object", json!(["telegram", "43"])),
    ] {
        let mut f = Findings::default();
        let a = send(claim(body)).await;
        let answer = answered(&mut f, &world, &a, &[400, 404]);
        cases.record(
            &format!(
                "{what}: 400/404 (reason {})",
                answer.as_deref().map(reason).unwrap_or_default()
            ),
            f.0,
        );
    }
    hostile.push(("10 KB user id".into(), "1".repeat(10 * 1024)));
    hostile.push(("user id beyond u64".into(), "184467440737095516160".into()));
    hostile.push(("user 43 (refused bodies)".into(), "43".into()));
    hostile.push(("user 44 (unknown field)".into(), "44".into()));

    let form = b"platform=telegram&user_id=45".to_vec();
    let typed: Vec<(&str, &str, Vec<u8>, &[u16])> = vec![
        (
            "text/plain",
            "text/plain",
            br#"{"platform":"telegram","user_id":"45"}"#.to_vec(),
            &[415],
        ),
        (
            "form-urlencoded",
            "application/x-www-form-urlencoded",
            form.clone(),
            &[415],
        ),
        (
            "multipart",
            "multipart/form-data; boundary=x",
            b"--x\r\n\r\n--x--".to_vec(),
            &[415],
        ),
        (
            "JSON content type, form body",
            "application/json",
            form,
            &[400],
        ),
        (
            "JSON with trailing data",
            "application/json",
            br#"{"platform":"telegram","user_id":"45"} {"x":1}"#.to_vec(),
            &[400],
        ),
        (
            "invalid UTF-8",
            "application/json",
            b"{\"platform\":\"telegram\",\"user_id\":\"4\xff5\"}".to_vec(),
            &[400],
        ),
    ];
    for (what, ct, body, statuses) in typed {
        let mut f = Findings::default();
        let a = send(
            http.post(&claims)
                .header("x-api-key", API_KEY)
                .header("content-type", ct)
                .body(body),
        )
        .await;
        answered(&mut f, &world, &a, statuses);
        cases.record(&format!("content type {what}: {statuses:?}"), f.0);
    }
    {
        let mut f = Findings::default();
        let a = send(
            http.post(&claims)
                .header("x-api-key", API_KEY)
                .header("content-type", "application/json")
                .body(vec![b' '; 64 * 1024 + 1]),
        )
        .await;
        answered(&mut f, &world, &a, &[413]);
        cases.record("API body of 64 KiB + 1: 413", f.0);
    }
    hostile.push(("user 45 (content types)".into(), "45".into()));

    // Hostile campaign ids in the path: 400 or 404, no claim anywhere.
    for path in [
        "%F0%9F%A6%80",
        "%00",
        "spring%00",
        "..%2F",
        "..%2Fspring",
        "spring%2F..%2Fspring",
        "%2e%2e",
        "SPRING",
        "spr%C3%A9ng",
        "%FF%FE",
        "%",
        "a".repeat(10 * 1024).as_str(),
    ] {
        let mut f = Findings::default();
        let url = format!("{}/v1/campaigns/{path}/claims", serve.base);
        let a = send(
            http.post(&url)
                .header("x-api-key", API_KEY)
                .json(&json!({"platform": "telegram", "user_id": "46"})),
        )
        .await;
        answered(&mut f, &world, &a, &[400, 404]);
        cases.record(
            &format!(
                "campaign in path {:?}: 400/404 (got {})",
                super::support::truncate(path, 40),
                super::support::status(&a)
            ),
            f.0,
        );
    }
    hostile.push(("user 46 (hostile campaign paths)".into(), "46".into()));

    // API keys: missing, short, wrong, in another place. 401 before anything else.
    {
        let body = json!({"platform": "telegram", "user_id": "47"});
        let short = &API_KEY[..15];
        let upper = API_KEY.to_ascii_uppercase();
        let longer = format!("{API_KEY}x");
        // (what, a header to send, the path)
        type Try<'a> = (&'a str, Option<(&'a str, &'a str)>, String);
        let tries: Vec<Try> = vec![
            ("no key", None, claims.clone()),
            (
                "short key (a prefix)",
                Some(("x-api-key", short)),
                claims.clone(),
            ),
            ("empty key", Some(("x-api-key", "")), claims.clone()),
            (
                "key in upper case",
                Some(("x-api-key", upper.as_str())),
                claims.clone(),
            ),
            (
                "key with a char appended",
                Some(("x-api-key", longer.as_str())),
                claims.clone(),
            ),
            (
                "key as a bearer token",
                Some(("authorization", "Bearer hostile-suite-api-key-000000001")),
                claims.clone(),
            ),
            (
                "key in the query",
                None,
                format!("{claims}?api_key={API_KEY}"),
            ),
        ];
        for (what, header, url) in tries {
            let mut f = Findings::default();
            let mut req = http.post(&url).json(&body);
            if let Some((h, v)) = header {
                req = req.header(h, v);
            }
            let a = send(req).await;
            answered(&mut f, &world, &a, &[401]);
            cases.record(&format!("{what}: 401"), f.0);
        }
        let mut f = Findings::default();
        let a = send(
            http.post(format!("{}/v1/redemptions", serve.base))
                .json(&json!({"code": world.codes[5], "order_ref": "113-0000000-0000001"})),
        )
        .await;
        answered(&mut f, &world, &a, &[401]);
        cases.record("redemption without a key: 401", f.0);
        let mut f = Findings::default();
        let a = send(
            http.get(format!("{}/v1/overview", serve.base))
                .header("x-api-key", short),
        )
        .await;
        answered(&mut f, &world, &a, &[401]);
        cases.record("overview with a short key: 401", f.0);
        hostile.push(("user 47 (bad keys)".into(), "47".into()));
    }

    // Redemptions of codes never issued: refused with a reason, nothing redeemed.
    {
        let redeem = |code: Value| {
            http.post(format!("{}/v1/redemptions", serve.base))
                .header("x-api-key", API_KEY)
                .json(&json!({"code": code, "order_ref": "113-0000000-0000002"}))
        };
        let issued: Vec<String> = world.claims(CAMPAIGN).into_iter().map(|r| r.code).collect();
        let never = world
            .codes
            .iter()
            .find(|c| c.starts_with("HS") && !issued.contains(c))
            .cloned()
            .expect("an unissued code");
        for (what, code, statuses, want_reason) in [
            (
                "a pool code never issued",
                json!(never),
                &[409][..],
                "not_issued",
            ),
            (
                "the same, lower case",
                json!(never.to_ascii_lowercase()),
                &[409][..],
                "not_issued",
            ),
            (
                "a code not in any pool",
                json!("ZZZZ-ZZZZZZ-ZZZZZZ"),
                &[404][..],
                "unknown_code",
            ),
            (
                "a code with multi-byte chars",
                json!("HSÉ1-Q00001-R00001"),
                &[400][..],
                "",
            ),
            ("a 10 KB code", json!("A".repeat(10 * 1024)), &[400][..], ""),
            ("a number as code", json!(12345), &[400][..], ""),
        ] {
            let mut f = Findings::default();
            let a = send(redeem(code)).await;
            if let Some(body) = answered(&mut f, &world, &a, statuses) {
                f.expect(
                    want_reason.is_empty() || reason(&body) == want_reason,
                    || format!("reason {:?}, want {want_reason:?}", reason(&body)),
                );
            }
            cases.record(&format!("redeem {what}: {statuses:?} {want_reason}"), f.0);
        }
        let mut f = Findings::default();
        let stats = world.stats(CAMPAIGN);
        f.expect(stats["redemptions"] == 0, || {
            format!("{} redemptions recorded, want 0", stats["redemptions"])
        });
        cases.record("no redemption was recorded", f.0);
    }

    claims_are_exactly(&mut cases, &world, CAMPAIGN, &expected, &hostile);
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}

/// The path part after `/i/` or `/seller/` in a printed dashboard URL.
fn token_after<'a>(printed: &'a str, marker: &str) -> &'a str {
    printed
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {marker} link in {printed}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboards_refuse_hostile_page_tokens() {
    let world = World::seed();
    let serve = start(&world).await;
    let http = http();
    let mut cases = Cases::new("dashboards");
    // A claim credited to alice, so her page has numbers to show (and nothing else to leak).
    let follower = "987654321";
    let a = send(
        http.post(format!("{}/v1/campaigns/{CAMPAIGN}/claims", serve.base))
            .header("x-api-key", API_KEY)
            .json(&json!({"platform": "telegram", "user_id": follower, "influencer": "alice"})),
    )
    .await;
    assert!(matches!(a, Ok((201, _))), "seeding a claim: {a:?}");

    let links = world.cli_ok(&[
        "influencer",
        "link",
        CAMPAIGN,
        "--base-url",
        "http://dash.invalid",
    ]);
    let alice = token_after(
        links.split("\nalice\n").nth(1).expect("alice's links"),
        "/i/",
    )
    .to_owned();
    let bobby = token_after(
        links.split("\nbobby\n").nth(1).expect("bobby's links"),
        "/i/",
    )
    .to_owned();
    let overview = world.cli_ok(&["overview", "link", "--base-url", "http://dash.invalid"]);
    let seller = token_after(&overview, "/seller/").to_owned();

    // The controls: the real links open their pages, and alice's shows no follower or code.
    for (what, path) in [
        ("alice's page", format!("/i/{alice}")),
        ("alice's numbers", format!("/i/{alice}/stats.json")),
        ("the seller's page", format!("/seller/{seller}")),
        (
            "the seller's numbers",
            format!("/seller/{seller}/stats.json"),
        ),
    ] {
        let mut f = Findings::default();
        let a = send(http.get(format!("{}{path}", serve.base))).await;
        if let Some(body) = answered(&mut f, &world, &a, &[200]) {
            f.expect(!body.contains(follower), || {
                "it shows a follower's id".into()
            });
            if what.starts_with("alice") {
                f.expect(!body.contains("bobby"), || "alice sees bobby's data".into());
            }
        }
        cases.record(&format!("control: {what} 200, no follower id or code"), f.0);
    }

    let parts: Vec<&str> = alice.split('.').collect();
    let forged_expiry = {
        let mut p = parts.clone();
        let far = "99999999999999";
        if p.len() > 4 {
            p[4] = far;
        }
        p.join(".")
    };
    let as_bobby = alice.replacen(".alice.", ".bobby.", 1);
    let as_seller = alice.replacen(".alice.", ".~seller.", 1);
    let tokens: Vec<(&str, String)> = vec![
        ("forged", "v1.spring.alice.1.2.AAAA".into()),
        ("alice's, renamed to bobby", as_bobby),
        ("alice's, renamed to the seller", as_seller),
        ("alice's, expiry moved", forged_expiry),
        (
            "alice's, last char cut",
            alice[..alice.len() - 1].to_owned(),
        ),
        ("alice's, half", alice[..alice.len() / 2].to_owned()),
        (
            "alice's, signature dropped",
            parts[..parts.len().saturating_sub(1)].join("."),
        ),
        ("alice's + é", format!("{alice}é")),
        ("unicode", "v1.spring.alicé.1.2.AAAA".into()),
        ("emoji", "🦀🦀🦀".into()),
        ("percent-encoded NUL", "v1.spring.alice%00.1.2.AAAA".into()),
        ("percent-encoded invalid UTF-8", "%FF%FE%FD".into()),
        ("dots", "..%2F..%2Fseller".into()),
        ("10 KB", "A".repeat(10 * 1024)),
        ("10 KB of dots", ".".repeat(10 * 1024)),
        (
            "bobby's on alice's pages",
            bobby.replacen(".bobby.", ".alice.", 1),
        ),
    ];
    for (what, token) in &tokens {
        for (page, path) in [
            ("/i/", format!("/i/{token}")),
            ("/i/…/stats.json", format!("/i/{token}/stats.json")),
            ("/seller/", format!("/seller/{token}")),
            (
                "/seller/…/stats.json",
                format!("/seller/{token}/stats.json"),
            ),
        ] {
            let mut f = Findings::default();
            let a = send(http.get(format!("{}{path}", serve.base))).await;
            answered(&mut f, &world, &a, &[403, 404]);
            cases.record(
                &format!(
                    "{page} with a token {what}: 403/404 (got {})",
                    super::support::status(&a)
                ),
                f.0,
            );
        }
    }
    // A real token on the wrong page.
    for (what, path) in [
        (
            "alice's token on the seller's page",
            format!("/seller/{alice}"),
        ),
        (
            "alice's token on the seller's numbers",
            format!("/seller/{alice}/stats.json"),
        ),
        (
            "the seller's token as an influencer page",
            format!("/i/{seller}"),
        ),
    ] {
        let mut f = Findings::default();
        let a = send(http.get(format!("{}{path}", serve.base))).await;
        answered(&mut f, &world, &a, &[403, 404]);
        cases.record(&format!("{what}: 403/404"), f.0);
    }
    // Claims through the dashboards are not a thing.
    {
        let mut f = Findings::default();
        let a = send(http.post(format!("{}/i/{alice}", serve.base)).body("{}")).await;
        answered(&mut f, &world, &a, &[405]);
        cases.record("POST to a dashboard: 405", f.0);
    }

    let expected: Expected = vec![("telegram", follower.into(), "alice")];
    claims_are_exactly(&mut cases, &world, CAMPAIGN, &expected, &[]);
    logs_are_clean(&mut cases, &world, &serve);
    cases.finish();
}
