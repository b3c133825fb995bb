//! `infra/deploy.sh --dry-run`: prints every step, in order, runs none, never prints a secret.

use std::process::Command;

fn deploy(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy.sh"))
        .args(args)
        .env("PROMO_TELEGRAM_TOKEN", "123456:telegram-token-value")
        .env("PROMO_TELEGRAM_BOT", "shop_bot")
        .env("PROMO_DISCORD_TOKEN", "discord-token-value")
        .env("PROMO_DISCORD_PUBLIC_KEY", "ab".repeat(32))
        .env("PROMO_DISCORD_APP_ID", "1234567890")
        // A dry run must not need (or call) any of these.
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("running deploy.sh")
}

#[test]
fn a_dry_run_prints_every_step_in_order_and_no_secret() {
    let out = deploy(&[
        "--stack",
        "shop",
        "--region",
        "eu-west-1",
        "--arm64",
        "--dry-run",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps = [
        "[1] build every function for provided.al2023 (arm64)",
        "cargo lambda build --release --arm64",
        "-p promo-issue -p promo-redeem -p promo-expire -p promo-stats -p promo-telegram",
        "[2] deploy the stack shop to eu-west-1",
        "sam deploy --template-file infra/template.yaml --stack-name shop --region eu-west-1",
        "Architecture=arm64",
        "TelegramBotUsername=shop_bot",
        "[3] store the bot tokens and generated secrets",
        "--secret-string <redacted>",
        "[4] point the Telegram bot at",
        "[5] register the Discord slash commands",
        "promo is deployed: stack shop in eu-west-1.",
    ];
    let mut at = 0;
    for step in steps {
        let found = text[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order in:\n{text}"));
        at += found;
    }
    for secret in [
        "telegram-token-value",
        "discord-token-value",
        &"ab".repeat(32),
    ] {
        assert!(!text.contains(secret), "a secret was printed");
    }
}

#[test]
fn bots_without_tokens_are_skipped() {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy.sh"))
        .args(["--stack", "shop", "--region", "us-east-1", "--dry-run"])
        .env_remove("PROMO_TELEGRAM_TOKEN")
        .env_remove("PROMO_DISCORD_TOKEN")
        .output()
        .expect("running deploy.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("Telegram skipped") && text.contains("Discord skipped"),
        "{text}"
    );
    assert!(!text.contains("set-webhook") && !text.contains("register-commands"));
}

#[test]
fn missing_or_bad_arguments_are_refused() {
    for args in [
        vec!["--dry-run"],
        vec!["--stack", "shop", "--dry-run"],
        vec!["--stack", "bad name!", "--region", "eu-west-1", "--dry-run"],
        vec!["--stack", "shop", "--region", "eu-west-1", "--bogus"],
    ] {
        let out = deploy(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} ran a step");
    }
}
