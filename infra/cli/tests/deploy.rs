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

/// The packages the functions are built from, as `infra/functions.sh` (which `deploy.sh`
/// sources) lists them.
fn deployed_packages() -> Vec<String> {
    let list = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions.sh"))
        .expect("reading functions.sh");
    let line = list
        .lines()
        .find_map(|l| l.strip_prefix("FUNCTION_PACKAGES=("))
        .expect("FUNCTION_PACKAGES");
    line.trim_end_matches(')')
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Every package in the normal dependency graph of `packages`, as `cargo tree` resolves their
/// features together, the way `cargo build -p ...` does.
fn dependency_names(packages: &[String]) -> Vec<String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ]);
    for p in packages {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().expect("running cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn the_functions_are_built_without_the_embedded_engine() {
    let packages = deployed_packages();
    assert!(packages.contains(&"promo-issue".to_owned()), "{packages:?}");
    let engine = ["dynoxide-rs", "rusqlite", "libsqlite3-sys"];
    let functions = dependency_names(&packages);
    assert!(functions.iter().any(|d| d == "aws-sdk-dynamodb"));
    assert!(
        !functions.iter().any(|d| engine.contains(&d.as_str())),
        "a function build pulls in the embedded engine"
    );
    // The seller CLI, the one-machine mode, does carry it.
    let cli = dependency_names(&["promo-cli".to_owned()]);
    assert!(cli.iter().any(|d| d == "dynoxide-rs"));
}
