//! `infra/deploy.sh`: a dry run prints every step, in order, runs none, never prints a secret;
//! a run with fake `aws`, `sam`, `cargo` (and wrapped `python3` and `env`) fills each secret
//! through a 0600 file, carries an older stack's values over, reserves concurrency as the
//! account allows, and never puts a secret on a command line (what `ps` shows).

use std::collections::BTreeMap;
use std::path::PathBuf;
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
        "TelegramReservedConcurrency=40 DiscordReservedConcurrency=100 StatsReservedConcurrency=10",
        "[3] fill the secrets",
        "--secret-string file://<0600 file>",
        "[4] point the Telegram bot at",
        "[5] point the Discord application at",
        "discord setup --url",
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
    assert!(!text.contains("set-webhook") && !text.contains("discord setup"));
}

#[test]
fn missing_or_bad_arguments_are_refused() {
    let long_stack = format!("s{}", "a".repeat(57));
    for args in [
        vec!["--dry-run"],
        vec!["--stack", "shop", "--dry-run"],
        vec!["--stack", "bad name!", "--region", "eu-west-1", "--dry-run"],
        // 58 characters: `<stack>-expire` would pass EventBridge Scheduler's 64.
        vec![
            "--stack",
            long_stack.as_str(),
            "--region",
            "eu-west-1",
            "--dry-run",
        ],
        vec!["--stack", "shop", "--region", "eu-west-1", "--bogus"],
        vec![
            "--stack",
            "shop",
            "--region",
            "eu-west-1",
            "--reserved-concurrency",
            "lots",
            "--dry-run",
        ],
    ] {
        let out = deploy(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} ran a step");
    }
}

#[test]
fn a_half_set_bot_is_refused_naming_what_is_missing() {
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "PROMO_TELEGRAM_BOT",
            &[],
            "Telegram is half set: PROMO_TELEGRAM_BOT not set",
        ),
        (
            "PROMO_TELEGRAM_TOKEN",
            &[],
            "Telegram is half set: PROMO_TELEGRAM_TOKEN not set",
        ),
        (
            "PROMO_DISCORD_PUBLIC_KEY",
            &[],
            "Discord is half set: PROMO_DISCORD_PUBLIC_KEY not set",
        ),
        (
            "PROMO_DISCORD_APP_ID",
            &["PROMO_DISCORD_PUBLIC_KEY"],
            "Discord is half set: PROMO_DISCORD_APP_ID PROMO_DISCORD_PUBLIC_KEY not set (PROMO_DISCORD_TOKEN set)",
        ),
    ];
    for (unset, also, refusal) in cases {
        let mut cmd = Command::new("bash");
        cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy.sh"))
            .args(["--stack", "shop", "--region", "us-east-1", "--dry-run"])
            .env("PROMO_TELEGRAM_TOKEN", "123456:telegram-token-value")
            .env("PROMO_TELEGRAM_BOT", "shop_bot")
            .env("PROMO_DISCORD_TOKEN", "discord-token-value")
            .env("PROMO_DISCORD_PUBLIC_KEY", "ab".repeat(32))
            .env("PROMO_DISCORD_APP_ID", "1234567890")
            .env_remove(unset);
        for name in also {
            cmd.env(name, "");
        }
        let out = cmd.output().expect("running deploy.sh");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{unset}: {err}");
        assert!(out.stdout.is_empty(), "{unset}: a step ran");
        assert!(err.contains(refusal), "{unset}: {err}");
        assert!(!err.contains("token-value"), "a secret was printed");
    }
}

/// One fake for every tool deploy.sh runs, installed under each tool's name. It records its
/// command line (what `ps` would show) and answers like the real tool, keeping the stack's
/// secrets as files in `$FAKE_STATE`.
const FAKE_TOOL: &str = r#"#!/bin/bash
set -euo pipefail
tool="$(basename "$0")"
{ printf '%s' "$tool"; for a in "$@"; do printf '\x1f%s' "$a"; done; printf '\x1e'; } >>"$FAKE_STATE/argv"
arg() {
  local want="$1"; shift
  while [ $# -gt 1 ]; do if [ "$1" = "$want" ]; then printf '%s' "$2"; return; fi; shift; done
}
secret() { printf '%s' "$FAKE_STATE/secret-${1##*:}"; }
arn() { printf 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:%s' "$1"; }
case "$tool" in
  python3) exec "$FAKE_PYTHON" "$@" ;;
  env) exec /usr/bin/env "$@" ;;
  curl) echo '{"ok":true}' ;;
  cargo-lambda) ;;
  sam)
    touch "$FAKE_STATE/deployed"
    # The template's placeholders, for a stack created now.
    [ -e "$FAKE_STATE/secret-api" ] || printf '{"PROMO_API_KEY":""}' >"$FAKE_STATE/secret-api"
    [ -e "$FAKE_STATE/secret-link" ] || printf '{"PROMO_LINK_SECRET":""}' >"$FAKE_STATE/secret-link"
    [ -e "$FAKE_STATE/secret-telegram" ] \
      || printf '{"PROMO_TELEGRAM_TOKEN":"","PROMO_TELEGRAM_SECRET":""}' >"$FAKE_STATE/secret-telegram"
    [ -e "$FAKE_STATE/secret-discord" ] \
      || printf '{"PROMO_DISCORD_TOKEN":"","PROMO_DISCORD_PUBLIC_KEY":""}' >"$FAKE_STATE/secret-discord"
    ;;
  aws)
    case "$1 $2" in
      "cloudformation describe-stacks")
        if [ -e "$FAKE_STATE/deployed" ]; then
          printf 'ApiUrl\thttps://api.example.test\nTableName\tshop-Table-1\n'
          printf 'ApiKeySecretId\t%s\nLinkSecretId\t%s\n' "$(arn api)" "$(arn link)"
          printf 'TelegramSecretId\t%s\nDiscordSecretId\t%s\n' "$(arn telegram)" "$(arn discord)"
        elif [ -e "$FAKE_STATE/secret-legacy" ]; then
          printf 'ApiUrl\thttps://api.example.test\nSecretId\t%s\n' "$(arn legacy)"
        else
          echo "An error occurred (ValidationError): Stack with id shop does not exist" >&2
          exit 255
        fi ;;
      "lambda get-account-settings") echo "${FAKE_LIMIT:-1000}" ;;
      "secretsmanager get-secret-value") cat "$(secret "$(arg --secret-id "$@")")" ;;
      "secretsmanager put-secret-value")
        id="$(arg --secret-id "$@")"
        value="$(arg --secret-string "$@")"
        case "$value" in
          file://*) path="${value#file://}" ;;
          *) echo "the secret string is not a file" >&2; exit 1 ;;
        esac
        printf '%s %s %s %s\x1e' "${id##*:}" "$(stat -c %a "$path")" \
          "$(stat -c %a "$(dirname "$path")")" "$path" >>"$FAKE_STATE/puts"
        cat "$path" >"$(secret "$id")"
        echo '{"VersionId":"v1"}' ;;
      *) echo "fake aws: unexpected $*" >&2; exit 1 ;;
    esac ;;
  cargo)
    case "$*" in
      *"telegram set-webhook"*)
        if [ -z "${PROMO_TELEGRAM_TOKEN:-}" ] || [ -z "${PROMO_TELEGRAM_SECRET:-}" ]; then
          echo "no token or secret token in the environment" >&2; exit 1
        fi
        printf '%s' "$PROMO_TELEGRAM_SECRET" >"$FAKE_STATE/webhook-secret"
        # As the real CLI does: the secret on its last line.
        printf 'webhook set: %s/telegram/webhook\n' "$(arg --url "$@")"
        printf 'store this secret as PROMO_TELEGRAM_SECRET for the webhook handler:\n%s\n' \
          "$PROMO_TELEGRAM_SECRET" ;;
      *"discord setup"*)
        [ -n "${PROMO_DISCORD_TOKEN:-}" ] || { echo "no token in the environment" >&2; exit 1; }
        printf 'interactions endpoint set: %s/discord/interactions\n' "$(arg --url "$@")"
        echo "registered globally: /claim, /stats" ;;
      *"discord invite"*)
        echo "https://discord.com/oauth2/authorize?client_id=$PROMO_DISCORD_APP_ID&scope=bot%20applications.commands&permissions=3072" ;;
      *) ;;
    esac ;;
esac
"#;

const TELEGRAM_TOKEN: &str = "123456:telegram-token-value";
const DISCORD_TOKEN: &str = "discord-token-value";

/// A scratch directory with the fake tools, the fake stack's state and the script's `TMPDIR`.
struct FakeAccount {
    root: tempfile::TempDir,
}

impl FakeAccount {
    fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("tempdir");
        for dir in ["bin", "state", "tmp"] {
            std::fs::create_dir(root.path().join(dir)).expect("mkdir");
        }
        let fake = root.path().join("bin/fake");
        std::fs::write(&fake, FAKE_TOOL).expect("write the fake");
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for tool in [
            "aws",
            "sam",
            "cargo",
            "cargo-lambda",
            "python3",
            "env",
            "curl",
        ] {
            std::os::unix::fs::symlink(&fake, root.path().join("bin").join(tool)).expect("symlink");
        }
        Self { root }
    }

    fn state(&self) -> PathBuf {
        self.root.path().join("state")
    }

    /// Runs deploy.sh for real (not a dry run) against the fakes.
    fn deploy(&self, extra: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
        let python = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 is needed by deploy.sh");
        let python = String::from_utf8_lossy(&python.stdout).trim().to_owned();
        let bin = self.root.path().join("bin");
        Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy.sh"))
            .args(["--stack", "shop", "--region", "eu-west-1"])
            .args(extra)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", self.root.path())
            .env("TMPDIR", self.root.path().join("tmp"))
            .env("FAKE_STATE", self.state())
            .env("FAKE_PYTHON", python)
            .envs(vars.iter().copied())
            .output()
            .expect("running deploy.sh")
    }

    /// Every command line the fakes saw, as its arguments.
    fn command_lines(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.state().join("argv")).unwrap_or_default();
        text.split('\u{1e}')
            .filter(|r| !r.is_empty())
            .map(|r| r.split('\u{1f}').map(str::to_owned).collect())
            .collect()
    }

    /// Each put-secret-value: (secret, file mode, directory mode, file path).
    fn puts(&self) -> Vec<(String, String, String, PathBuf)> {
        let text = std::fs::read_to_string(self.state().join("puts")).unwrap_or_default();
        text.split('\u{1e}')
            .filter(|r| !r.is_empty())
            .map(|r| {
                let f: Vec<&str> = r.splitn(4, ' ').collect();
                (f[0].into(), f[1].into(), f[2].into(), PathBuf::from(f[3]))
            })
            .collect()
    }

    /// A secret's values as the fake Secrets Manager holds them.
    fn secret(&self, name: &str) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.state().join(format!("secret-{name}")))
            .unwrap_or_else(|_| panic!("no secret {name}"));
        serde_json::from_str(&text).expect("a JSON object of strings")
    }

    fn every_secret_value(&self) -> Vec<String> {
        let mut values: Vec<String> = ["api", "link", "telegram", "discord", "legacy"]
            .iter()
            .filter(|n| self.state().join(format!("secret-{n}")).exists())
            .flat_map(|n| self.secret(n).into_values())
            .filter(|v| !v.is_empty())
            .collect();
        values.extend([TELEGRAM_TOKEN.to_owned(), DISCORD_TOKEN.to_owned()]);
        values
    }

    /// Asserts the run's safety properties: no secret on any command line or in the output,
    /// every secret written through a 0600 file in a 0700 directory, nothing left behind.
    fn assert_no_secret_leaked(&self, out: &std::process::Output) {
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines = self.command_lines();
        assert!(
            lines.iter().any(|l| l[0] == "aws"),
            "the fakes recorded nothing"
        );
        for value in self.every_secret_value() {
            for line in &lines {
                assert!(
                    !line.iter().any(|a| a.contains(&value)),
                    "a secret value is on the command line of {:?}",
                    line[0]
                );
            }
            assert!(
                !shown.contains(&value),
                "a secret value was printed:\n{shown}"
            );
        }
        for (secret, file_mode, dir_mode, path) in self.puts() {
            assert_eq!(
                file_mode, "600",
                "{secret} written through a {file_mode} file"
            );
            assert_eq!(
                dir_mode, "700",
                "{secret} written in a {dir_mode} directory"
            );
            assert!(!path.exists(), "{} left behind", path.display());
        }
        let left: Vec<_> = std::fs::read_dir(self.root.path().join("tmp"))
            .expect("tmp")
            .collect();
        assert!(left.is_empty(), "the scratch directory was not removed");
    }
}

fn bots() -> Vec<(&'static str, &'static str)> {
    vec![
        ("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN),
        ("PROMO_TELEGRAM_BOT", "shop_bot"),
        ("PROMO_DISCORD_TOKEN", DISCORD_TOKEN),
        ("PROMO_DISCORD_PUBLIC_KEY", "cd".repeat(32).leak()),
        ("PROMO_DISCORD_APP_ID", "1234567890"),
    ]
}

fn assert_ok(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn sam_parameters(account: &FakeAccount) -> Vec<String> {
    account
        .command_lines()
        .into_iter()
        .rfind(|l| l[0] == "sam")
        .expect("sam deploy ran")
}

#[test]
fn a_deploy_fills_each_secret_through_a_private_file_and_no_command_line() {
    let account = FakeAccount::new();
    let out = account.deploy(&[], &bots());
    let text = assert_ok(&out);
    account.assert_no_secret_leaked(&out);

    let api = account.secret("api");
    let link = account.secret("link");
    let telegram = account.secret("telegram");
    let discord = account.secret("discord");
    assert_eq!(api.keys().collect::<Vec<_>>(), ["PROMO_API_KEY"]);
    assert!(api["PROMO_API_KEY"].len() >= 32, "a generated API key");
    assert_eq!(link.keys().collect::<Vec<_>>(), ["PROMO_LINK_SECRET"]);
    assert!(
        link["PROMO_LINK_SECRET"].len() >= 32,
        "a generated link secret"
    );
    assert_ne!(api["PROMO_API_KEY"], link["PROMO_LINK_SECRET"]);
    assert_eq!(telegram["PROMO_TELEGRAM_TOKEN"], TELEGRAM_TOKEN);
    let hook = &telegram["PROMO_TELEGRAM_SECRET"];
    assert!(
        hook.len() >= 32
            && hook
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "a webhook secret token as Telegram takes it"
    );
    assert_eq!(discord["PROMO_DISCORD_TOKEN"], DISCORD_TOKEN);
    assert_eq!(discord["PROMO_DISCORD_PUBLIC_KEY"], "cd".repeat(32));
    // The webhook was set with the stored secret token, handed over in the environment.
    let set = std::fs::read_to_string(account.state().join("webhook-secret")).expect("set");
    assert_eq!(&set, hook);
    assert!(text.contains("webhook set: https://api.example.test/telegram/webhook"));
    assert!(text.contains("registered globally"));
    let puts: Vec<String> = account.puts().into_iter().map(|p| p.0).collect();
    assert_eq!(puts, ["api", "link", "telegram", "discord"]);
    assert!(
        sam_parameters(&account).contains(&"TelegramReservedConcurrency=40".to_owned()),
        "an account with the usual limit reserves"
    );

    // Deploying again keeps every value and writes no new secret version.
    std::fs::remove_file(account.state().join("puts")).ok();
    let again = account.deploy(&[], &bots());
    assert_ok(&again);
    account.assert_no_secret_leaked(&again);
    assert!(
        account.puts().is_empty(),
        "unchanged secrets were written again"
    );
    assert_eq!(account.secret("api"), api);
    assert_eq!(account.secret("link"), link);
    assert_eq!(account.secret("telegram"), telegram);
}

#[test]
fn an_older_stack_keeps_its_api_key_link_secret_and_webhook_secret() {
    let account = FakeAccount::new();
    let legacy = serde_json::json!({
        "PROMO_API_KEY": "legacy-api-key-0123456789abcdefghijkl",
        "PROMO_LINK_SECRET": "legacy-link-secret-0123456789abcdef",
        "PROMO_TELEGRAM_TOKEN": "999:legacy-telegram-token",
        "PROMO_TELEGRAM_SECRET": "legacy_webhook-secret-0123456789",
        "PROMO_DISCORD_PUBLIC_KEY": "",
        "PROMO_DISCORD_TOKEN": "",
    });
    std::fs::write(account.state().join("secret-legacy"), legacy.to_string()).expect("legacy");
    // Only the Telegram bot is given again (a new token); the rest comes from the old secret.
    let out = account.deploy(
        &[],
        &[
            ("PROMO_TELEGRAM_TOKEN", TELEGRAM_TOKEN),
            ("PROMO_TELEGRAM_BOT", "shop_bot"),
        ],
    );
    assert_ok(&out);
    account.assert_no_secret_leaked(&out);
    assert_eq!(
        account.secret("api")["PROMO_API_KEY"],
        "legacy-api-key-0123456789abcdefghijkl"
    );
    assert_eq!(
        account.secret("link")["PROMO_LINK_SECRET"],
        "legacy-link-secret-0123456789abcdef"
    );
    let telegram = account.secret("telegram");
    assert_eq!(telegram["PROMO_TELEGRAM_TOKEN"], TELEGRAM_TOKEN);
    assert_eq!(
        telegram["PROMO_TELEGRAM_SECRET"],
        "legacy_webhook-secret-0123456789"
    );
    assert_eq!(account.secret("discord")["PROMO_DISCORD_TOKEN"], "");
}

#[test]
fn reserved_concurrency_follows_the_accounts_limit_or_the_flag() {
    let expect = |limit: Option<&str>, flag: &[&str], values: [&str; 3]| {
        let account = FakeAccount::new();
        let mut vars = bots();
        if let Some(limit) = limit {
            vars.push(("FAKE_LIMIT", limit));
        }
        let out = account.deploy(flag, &vars);
        assert_ok(&out);
        let params = sam_parameters(&account);
        for (name, value) in [
            "TelegramReservedConcurrency",
            "DiscordReservedConcurrency",
            "StatsReservedConcurrency",
        ]
        .iter()
        .zip(values)
        {
            let want = format!("{name}={value}");
            assert!(
                params.contains(&want),
                "{limit:?} {flag:?}: {want} in {params:?}"
            );
        }
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // A new account (limit 10) cannot reserve: it deploys unreserved, and is told why.
    let note = expect(Some("10"), &[], ["0", "0", "0"]);
    assert!(
        note.contains("limit is 10") && note.contains("Service Quotas"),
        "{note}"
    );
    expect(Some("1000"), &[], ["40", "100", "10"]);
    expect(Some("250"), &[], ["40", "100", "10"]);
    expect(Some("249"), &[], ["0", "0", "0"]);
    expect(
        Some("1000"),
        &["--reserved-concurrency", "0"],
        ["0", "0", "0"],
    );
    expect(
        Some("10"),
        &["--reserved-concurrency", "20,30,5"],
        ["20", "30", "5"],
    );
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
