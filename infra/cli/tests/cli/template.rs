//! The SAM template against the code: its table is the store's one definition, every function
//! is a binary this workspace builds, and every HTTP route belongs to the function that serves
//! it. Least privilege: each function's role names exactly the table actions, indexes and key
//! prefixes it uses, and only its own secrets and log group; the store calls each function
//! makes, run against the embedded engine through a recording proxy, are all allowed by its
//! role and use every grant. The public functions have reserved concurrency.
//! `tests/contracts/aws/template.sh` (run by `.ci/run`) checks the template against
//! CloudFormation itself: the SAM transform, cfn-lint and checkov.

use promo_store::table::schema::{IndexDef, KeyAttr, table_def};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let text = std::fs::read_to_string(path).expect("reading infra/template.yaml");
    serde_yaml::from_str(&text).expect("the template is YAML")
}

fn resources(t: &Value) -> &serde_yaml::Mapping {
    t["Resources"].as_mapping().expect("Resources")
}

fn of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources(t)
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(name, r)| (name.as_str().expect("resource name"), &r["Properties"]))
        .collect()
}

fn key_schema(v: &Value) -> Vec<(String, String)> {
    v.as_sequence()
        .expect("KeySchema")
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().expect("name").to_owned(),
                k["KeyType"].as_str().expect("type").to_owned(),
            )
        })
        .collect()
}

fn keys(pk: KeyAttr, sk: KeyAttr) -> Vec<(String, String)> {
    vec![
        (pk.name.to_owned(), "HASH".to_owned()),
        (sk.name.to_owned(), "RANGE".to_owned()),
    ]
}

#[test]
fn the_templates_table_is_the_stores_table_definition() {
    let t = template();
    let tables = of_type(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table");
    let table = tables[0].1;
    let def = table_def();

    assert_eq!(key_schema(&table["KeySchema"]), keys(def.pk, def.sk));
    let declared: BTreeMap<String, String> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().expect("name").to_owned(),
                a["AttributeType"].as_str().expect("type").to_owned(),
            )
        })
        .collect();
    let mut expected = BTreeMap::new();
    for a in [def.pk, def.sk]
        .into_iter()
        .chain(def.indexes.iter().flat_map(|i| [i.pk, i.sk]))
    {
        expected.insert(a.name.to_owned(), a.kind.to_owned());
    }
    assert_eq!(declared, expected, "attribute definitions");

    let indexes = table["GlobalSecondaryIndexes"].as_sequence().expect("GSIs");
    assert_eq!(indexes.len(), def.indexes.len());
    for IndexDef {
        name,
        pk,
        sk,
        include,
    } in &def.indexes
    {
        let ix = indexes
            .iter()
            .find(|i| i["IndexName"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("index {name} missing from the template"));
        assert_eq!(key_schema(&ix["KeySchema"]), keys(*pk, *sk), "{name} keys");
        let projection = &ix["Projection"];
        if include.is_empty() {
            assert_eq!(
                projection["ProjectionType"].as_str(),
                Some("KEYS_ONLY"),
                "{name}"
            );
        } else {
            assert_eq!(
                projection["ProjectionType"].as_str(),
                Some("INCLUDE"),
                "{name}"
            );
            let got: BTreeSet<&str> = projection["NonKeyAttributes"]
                .as_sequence()
                .expect("NonKeyAttributes")
                .iter()
                .map(|a| a.as_str().expect("attribute"))
                .collect();
            assert_eq!(got, include.iter().copied().collect(), "{name} projection");
        }
    }
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(def.ttl_attribute)
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["Enabled"].as_bool(),
        Some(true)
    );
    assert_eq!(table["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(table["DeletionProtectionEnabled"].as_bool(), Some(true));
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(
        table["SSESpecification"]["SSEEnabled"].as_bool(),
        Some(true)
    );
}

/// The binaries this workspace builds, from `cargo metadata`.
fn workspace_binaries() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .map(|t| t["name"].as_str().expect("target name").to_owned())
        .collect()
}

/// Which function serves which route: the one route table the handlers mount
/// (`promo_api::routes::ROUTES`), by the function's template resource.
fn served_routes() -> BTreeMap<&'static str, BTreeSet<(String, String)>> {
    let mut served: BTreeMap<&'static str, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in promo_api::routes::ROUTES {
        served
            .entry(r.function.template_resource())
            .or_default()
            .insert((r.method.to_owned(), r.path.to_owned()));
    }
    served
}

#[test]
fn every_function_is_a_built_binary_with_the_routes_it_serves() {
    let t = template();
    let binaries = workspace_binaries();
    let served = served_routes();
    let functions = of_type(&t, "AWS::Serverless::Function");
    let mut seen = BTreeSet::new();
    for (name, props) in functions {
        let uri = props["CodeUri"].as_str().expect("CodeUri");
        let bin = uri
            .strip_prefix("../target/lambda/")
            .and_then(|b| b.strip_suffix('/'))
            .unwrap_or_else(|| panic!("{name}: CodeUri {uri} is not a cargo lambda output"));
        assert!(
            binaries.contains(bin),
            "{name}: no binary {bin} in the workspace"
        );
        assert!(seen.insert(bin.to_owned()), "{bin} deployed twice");
        let routes: BTreeSet<(String, String)> = props["Events"]
            .as_mapping()
            .map(|events| {
                events
                    .values()
                    .filter(|e| e["Type"].as_str() == Some("HttpApi"))
                    .map(|e| {
                        let p = &e["Properties"];
                        (
                            p["Method"].as_str().expect("Method").to_owned(),
                            p["Path"].as_str().expect("Path").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expected = served.get(name).cloned().unwrap_or_default();
        assert_eq!(routes, expected, "{name} ({bin}) routes");
    }
    let resources: BTreeSet<&str> = of_type(&t, "AWS::Serverless::Function")
        .iter()
        .map(|(name, _)| *name)
        .collect();
    for function in served.keys() {
        assert!(
            resources.contains(function),
            "the route table names {function}, which the template lacks"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Least privilege.

/// An intrinsic function's name (`Ref`, `If`, ...), without the `!`.
fn tag_of(tagged: &serde_yaml::value::TaggedValue) -> String {
    tagged.tag.to_string().trim_start_matches('!').to_owned()
}

/// A CloudFormation value as text: `Ref:X`, `GetAtt:X.Arn`, `Sub:...`, or the string itself.
fn reference(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) => {
            let tag = tag_of(tagged);
            match &tagged.value {
                Value::String(s) => format!("{tag}:{s}"),
                other => format!("{tag}:{other:?}"),
            }
        }
        other => panic!("not a reference: {other:?}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(items) => items.iter().map(reference).collect(),
        Value::Null => Vec::new(),
        one => vec![reference(one)],
    }
}

/// One table grant: an action on the table or an index, for items whose partition key matches
/// one of `keys` (`dynamodb:LeadingKeys` patterns).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    resource: String,
    keys: Vec<String>,
}

fn grant(action: &str, resource: &str, keys: &[&str]) -> Grant {
    let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    keys.sort();
    Grant {
        action: format!("dynamodb:{action}"),
        resource: resource.to_owned(),
        keys,
    }
}

/// What a function's role allows, statement by statement.
#[derive(Debug, Default)]
struct Role {
    logs: Vec<String>,
    secrets: BTreeSet<String>,
    grants: Vec<Grant>,
}

/// The table, or one of its indexes, from a statement's resource.
fn table_resource(r: &str) -> String {
    match r {
        "GetAtt:Table.Arn" => "table".to_owned(),
        _ => match r.strip_prefix("Sub:${Table.Arn}/") {
            Some(index) if index.starts_with("index/") && !index.contains('*') => index.to_owned(),
            _ => panic!("a table statement on {r}: name the table or one index"),
        },
    }
}

fn role_of(t: &Value, function: &str) -> Role {
    let props = &t["Resources"][function]["Properties"];
    assert!(
        props.get("Policies").is_none(),
        "{function}: SAM policies beside its role"
    );
    let role_ref = reference(&props["Role"]);
    let role_name = role_ref
        .strip_prefix("GetAtt:")
        .and_then(|r| r.strip_suffix(".Arn"))
        .unwrap_or_else(|| panic!("{function}: Role is {role_ref}, not its own role"));
    let role = &t["Resources"][role_name];
    assert_eq!(role["Type"].as_str(), Some("AWS::IAM::Role"), "{role_name}");
    let rp = &role["Properties"];
    for absent in ["ManagedPolicyArns", "PermissionsBoundary"] {
        assert!(rp.get(absent).is_none(), "{role_name}: {absent}");
    }
    let trust = &rp["AssumeRolePolicyDocument"]["Statement"];
    let trust = trust.as_sequence().expect("trust statements");
    assert_eq!(trust.len(), 1, "{role_name}: one trust statement");
    assert_eq!(
        trust[0]["Principal"]["Service"].as_str(),
        Some("lambda.amazonaws.com")
    );
    assert_eq!(trust[0]["Action"].as_str(), Some("sts:AssumeRole"));

    let mut out = Role::default();
    let policies = rp["Policies"].as_sequence().expect("inline policies");
    for policy in policies {
        let statements = policy["PolicyDocument"]["Statement"]
            .as_sequence()
            .expect("statements");
        for s in statements {
            let sid = s["Sid"].as_str().unwrap_or("?");
            let here = format!("{role_name}/{sid}");
            assert_eq!(s["Effect"].as_str(), Some("Allow"), "{here}");
            for not in ["NotAction", "NotResource", "NotPrincipal"] {
                assert!(s.get(not).is_none(), "{here}: {not}");
            }
            let actions = strings(&s["Action"]);
            let resources = strings(&s["Resource"]);
            assert!(!actions.is_empty() && !resources.is_empty(), "{here}");
            for a in &actions {
                assert!(!a.contains('*'), "{here}: wildcard action {a}");
            }
            for r in &resources {
                assert!(
                    r != "*" && !r.ends_with("/*"),
                    "{here}: wildcard resource {r}"
                );
            }
            if actions.iter().all(|a| a.starts_with("logs:")) {
                let set: BTreeSet<&str> = actions.iter().map(String::as_str).collect();
                assert_eq!(
                    set,
                    BTreeSet::from(["logs:CreateLogStream", "logs:PutLogEvents"]),
                    "{here}"
                );
                assert!(s.get("Condition").is_none(), "{here}");
                out.logs.extend(resources);
            } else if actions == ["secretsmanager:GetSecretValue"] {
                assert!(s.get("Condition").is_none(), "{here}");
                for r in resources {
                    let secret = r
                        .strip_prefix("Ref:")
                        .unwrap_or_else(|| panic!("{here}: secret {r}"));
                    out.secrets.insert(secret.to_owned());
                }
            } else {
                assert!(
                    actions.iter().all(|a| a.starts_with("dynamodb:")),
                    "{here}: unexpected actions {actions:?}"
                );
                let condition = s["Condition"]
                    .as_mapping()
                    .unwrap_or_else(|| panic!("{here}: a table statement without a key condition"));
                assert_eq!(condition.len(), 1, "{here}: one condition operator");
                let like = &s["Condition"]["ForAllValues:StringLike"];
                assert_eq!(
                    like.as_mapping().map(|m| m.len()),
                    Some(1),
                    "{here}: ForAllValues:StringLike on dynamodb:LeadingKeys only"
                );
                let keys = strings(&like["dynamodb:LeadingKeys"]);
                assert!(!keys.is_empty(), "{here}: no dynamodb:LeadingKeys");
                for k in &keys {
                    assert!(
                        k != "*" && !k.starts_with('*'),
                        "{here}: the key pattern {k} lets every item through"
                    );
                }
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                for a in &actions {
                    for r in &resources {
                        let short = a.trim_start_matches("dynamodb:");
                        out.grants.push(grant(short, &table_resource(r), &keys));
                    }
                }
            }
        }
    }
    out.grants.sort();
    out
}

/// Per function: its table grants, its secrets and its log group, as the code needs them. A
/// new store call in a function changes this list, the template and ARCHITECTURE.md together.
fn expected_roles() -> BTreeMap<&'static str, (Vec<Grant>, Vec<&'static str>, &'static str)> {
    let claim = || {
        vec![
            grant("GetItem", "table", &["F#*", "SET#*"]),
            grant("Query", "table", &["C#*"]),
            grant("Query", "index/gsi1", &["A#*"]),
            grant("PutItem", "table", &["F#*"]),
            grant("UpdateItem", "table", &["K#*"]),
        ]
    };
    // A bot: claims, its deliveries, /stats, and invites (read, marked taken, their influencer
    // checked, the account's role put).
    let bot = |source: &str, put: &[&str]| {
        let delivery = format!("D#{source}#*");
        let account = format!("U#{source}#*");
        let mut puts = vec!["F#*", delivery.as_str(), account.as_str(), "IA#*"];
        puts.extend_from_slice(put);
        vec![
            grant("GetItem", "table", &["F#*", "SET#*", "V#*"]),
            grant("Query", "table", &["C#*", account.as_str(), "F#*"]),
            grant("Query", "index/gsi1", &["A#*"]),
            grant("Query", "index/gsi2", &["S#*", "R#*"]),
            grant("PutItem", "table", &puts),
            grant("UpdateItem", "table", &["K#*", delivery.as_str(), "V#*"]),
            grant("ConditionCheckItem", "table", &["C#*"]),
        ]
    };
    let mut roles = BTreeMap::from([
        (
            "IssueFunction",
            (claim(), vec!["ApiKeySecret"], "IssueLogs"),
        ),
        (
            "RedeemFunction",
            (
                vec![grant("UpdateItem", "table", &["K#*"])],
                vec!["ApiKeySecret"],
                "RedeemLogs",
            ),
        ),
        (
            "ExpireFunction",
            (
                vec![
                    grant("Query", "index/gsi2", &["CAMPAIGNS"]),
                    grant("Query", "table", &["C#*", "IA#*"]),
                    grant("Query", "index/gsi1", &["A#*"]),
                    grant("UpdateItem", "table", &["K#*", "C#*"]),
                    grant("GetItem", "table", &["SET#*"]),
                    grant("PutItem", "table", &["AL#*"]),
                    grant("DeleteItem", "table", &["AL#*"]),
                ],
                // Alerts go out through both bots.
                vec!["TelegramSecret", "DiscordSecret"],
                "ExpireLogs",
            ),
        ),
        (
            "TelegramFunction",
            (
                {
                    let mut grants = bot(promo_telegram::DELIVERY_SOURCE, &["W#*"]);
                    grants.push(grant("DeleteItem", "table", &["D#telegram#*"]));
                    grants
                },
                vec!["TelegramSecret", "LinkSecret"],
                "TelegramLogs",
            ),
        ),
        (
            "DiscordFunction",
            (
                bot(
                    promo_discord::claim::DELIVERY_SOURCE,
                    &["SET#discord-creator-code:*"],
                ),
                vec!["DiscordSecret", "LinkSecret"],
                "DiscordLogs",
            ),
        ),
        (
            "TelegramNotifyFunction",
            (
                vec![
                    grant("Query", "index/gsi2", &["CAMPAIGNS"]),
                    grant("Query", "table", &["C#*", "W#*"]),
                    grant("Query", "index/gsi1", &["A#*"]),
                    grant("GetItem", "table", &["SET#*"]),
                    grant("DeleteItem", "table", &["W#*"]),
                    grant("PutItem", "table", &["W#*"]),
                ],
                vec!["TelegramSecret", "LinkSecret"],
                "TelegramNotifyLogs",
            ),
        ),
        (
            "StatsFunction",
            (
                vec![
                    grant("GetItem", "table", &["SET#*"]),
                    grant("Query", "table", &["C#*", "F#*"]),
                    grant("Query", "index/gsi1", &["A#*"]),
                    grant("Query", "index/gsi2", &["CAMPAIGNS", "S#*", "R#*"]),
                ],
                vec!["ApiKeySecret", "LinkSecret"],
                "StatsLogs",
            ),
        ),
    ]);
    for (grants, _, _) in roles.values_mut() {
        grants.sort();
    }
    roles
}

#[test]
fn each_function_has_exactly_the_table_actions_key_prefixes_and_secrets_it_uses() {
    let t = template();
    let functions = of_type(&t, "AWS::Serverless::Function");
    let expected = expected_roles();
    assert_eq!(
        functions.iter().map(|(n, _)| *n).collect::<BTreeSet<_>>(),
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "every function has its expected role"
    );
    let mut roles_used = BTreeSet::new();
    for (name, props) in &functions {
        let (grants, secrets, logs) = &expected[name];
        let role = role_of(&t, name);
        assert_eq!(&role.grants, grants, "{name}: table grants");
        let secrets: BTreeSet<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(role.secrets, secrets, "{name}: secrets");
        assert_eq!(
            role.logs,
            [format!("GetAtt:{logs}.Arn")],
            "{name}: log group"
        );
        assert_eq!(
            reference(&props["LoggingConfig"]["LogGroup"]),
            format!("Ref:{logs}"),
            "{name} logs where its role may write"
        );
        assert!(
            roles_used.insert(reference(&props["Role"])),
            "{name} shares its role"
        );
        // Its secret ids, as the function reads them: the same secrets, no other.
        let ids = &props["Environment"]["Variables"]["PROMO_SECRET_IDS"];
        let listed: BTreeSet<String> = match ids {
            Value::Tagged(tagged) if tag_of(tagged) == "Join" => strings(&tagged.value[1]),
            one => vec![reference(one)],
        }
        .into_iter()
        .map(|r| {
            r.strip_prefix("Ref:")
                .expect("a secret reference")
                .to_owned()
        })
        .collect();
        assert_eq!(listed, secrets, "{name}: PROMO_SECRET_IDS");
    }
    // The roles the template defines are exactly the functions' roles.
    let roles: BTreeSet<String> = of_type(&t, "AWS::IAM::Role")
        .iter()
        .map(|(n, _)| format!("GetAtt:{n}.Arn"))
        .collect();
    assert_eq!(roles, roles_used);
}

#[test]
fn no_function_scans_writes_in_batches_or_reads_a_bot_token_it_does_not_use() {
    let t = template();
    let item_actions = [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
    ];
    for (name, _) in of_type(&t, "AWS::Serverless::Function") {
        let role = role_of(&t, name);
        for g in &role.grants {
            assert!(
                item_actions.contains(&g.action.as_str()),
                "{name}: {} (no Scan, batch, PartiQL or table-level action)",
                g.action
            );
            if g.resource != "table" {
                assert_eq!(
                    g.action, "dynamodb:Query",
                    "{name}: an index is only queried"
                );
            }
        }
    }
    // The functions that hold no bot token: the API and the dashboards.
    for name in ["IssueFunction", "RedeemFunction", "StatsFunction"] {
        let role = role_of(&t, name);
        for bot in ["TelegramSecret", "DiscordSecret"] {
            assert!(!role.secrets.contains(bot), "{name} reads {bot}");
        }
    }
}

/// The names each secret holds, from its initial `SecretString`.
fn secret_names(t: &Value) -> BTreeMap<String, BTreeSet<String>> {
    of_type(t, "AWS::SecretsManager::Secret")
        .into_iter()
        .map(|(name, props)| {
            assert!(
                props.get("GenerateSecretString").is_none(),
                "{name}: deploy.sh generates the values (so that an older stack's carry over)"
            );
            let doc: BTreeMap<String, String> =
                serde_json::from_str(props["SecretString"].as_str().expect("SecretString"))
                    .expect("a JSON object of strings");
            assert!(
                doc.values().all(String::is_empty),
                "{name}: placeholders only in the template"
            );
            (name.to_owned(), doc.into_keys().collect())
        })
        .collect()
}

#[test]
fn every_secret_is_in_its_own_secret_and_none_in_an_environment() {
    let t = template();
    let names = secret_names(&t);
    let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(
        names,
        BTreeMap::from([
            ("ApiKeySecret".to_owned(), set(&["PROMO_API_KEY"])),
            ("LinkSecret".to_owned(), set(&["PROMO_LINK_SECRET"])),
            (
                "TelegramSecret".to_owned(),
                set(&["PROMO_TELEGRAM_TOKEN", "PROMO_TELEGRAM_SECRET"])
            ),
            (
                "DiscordSecret".to_owned(),
                set(&["PROMO_DISCORD_TOKEN", "PROMO_DISCORD_PUBLIC_KEY"])
            ),
        ])
    );
    let secret_values: BTreeSet<String> = names.into_values().flatten().collect();

    let mut env_names: Vec<String> = Vec::new();
    let mut collect = |vars: &Value| {
        if let Some(vars) = vars.as_mapping() {
            env_names.extend(vars.keys().map(|k| k.as_str().expect("name").to_owned()));
        }
    };
    collect(&t["Globals"]["Function"]["Environment"]["Variables"]);
    for (_, props) in of_type(&t, "AWS::Serverless::Function") {
        collect(&props["Environment"]["Variables"]);
    }
    assert!(
        env_names
            .iter()
            .any(|n| n == promo_api::secrets::SECRET_IDS_ENV)
    );
    assert!(
        !env_names
            .iter()
            .any(|n| n == promo_api::secrets::SECRET_ID_ENV),
        "no function is given a secret beside its list"
    );
    for name in env_names {
        assert!(
            !secret_values.contains(&name),
            "{name} would be a secret in plain environment"
        );
    }
}

#[test]
fn the_public_functions_have_reserved_concurrency_that_zero_turns_off() {
    let t = template();
    let deploy = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy.sh"))
        .expect("deploy.sh");
    let wanted: Vec<String> = deploy
        .lines()
        .find_map(|l| l.trim().strip_prefix("wanted=("))
        .expect("deploy.sh's wanted reservations")
        .trim_end_matches(')')
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let reserved = [
        ("TelegramFunction", "TelegramReservedConcurrency"),
        ("DiscordFunction", "DiscordReservedConcurrency"),
        ("StatsFunction", "StatsReservedConcurrency"),
    ];
    for ((function, parameter), default) in reserved.iter().zip(&wanted) {
        let p = &t["Parameters"][*parameter];
        assert_eq!(p["Type"].as_str(), Some("Number"), "{parameter}");
        assert_eq!(p["MinValue"].as_u64(), Some(0), "{parameter}");
        assert_eq!(
            p["Default"].as_u64().map(|d| d.to_string()).as_deref(),
            Some(default.as_str()),
            "{parameter}: the template's default is deploy.sh's"
        );
        let value = &t["Resources"][*function]["Properties"]["ReservedConcurrentExecutions"];
        let Value::Tagged(tagged) = value else {
            panic!("{function}: ReservedConcurrentExecutions is not conditional");
        };
        assert_eq!(tag_of(tagged), "If", "{function}");
        let args = strings(&tagged.value);
        assert_eq!(args[1], format!("Ref:{parameter}"), "{function}");
        assert_eq!(
            args[2], "Ref:AWS::NoValue",
            "{function}: 0 means unreserved"
        );
        // The condition: `!Not [!Equals [!Ref <parameter>, "0"]]`.
        let condition = &t["Conditions"][args[0].as_str()];
        let not_zero = match condition {
            Value::Tagged(not) if tag_of(not) == "Not" => match &not.value[0] {
                Value::Tagged(equals) if tag_of(equals) == "Equals" => {
                    strings(&equals.value) == [format!("Ref:{parameter}"), "0".to_owned()]
                }
                _ => false,
            },
            _ => false,
        };
        assert!(
            not_zero,
            "{function}: {} is not `{parameter} is not 0`",
            args[0]
        );
    }
    // The claim path keeps the account's unreserved pool; the schedules need no reservation.
    for function in [
        "IssueFunction",
        "RedeemFunction",
        "ExpireFunction",
        "TelegramNotifyFunction",
    ] {
        assert!(
            t["Resources"][function]["Properties"]
                .get("ReservedConcurrentExecutions")
                .is_none(),
            "{function}"
        );
    }
}

#[test]
fn a_bot_is_deployed_only_when_its_parameter_is_set() {
    let t = template();
    // deploy.sh passes the username or the app id only with all of the bot's variables.
    for (condition, parameter, prefix) in [
        ("HasTelegram", "TelegramBotUsername", "Telegram"),
        ("HasDiscord", "DiscordApplicationId", "Discord"),
    ] {
        assert_eq!(t["Parameters"][parameter]["Default"].as_str(), Some(""));
        let set = match &t["Conditions"][condition] {
            Value::Tagged(not) if tag_of(not) == "Not" => match &not.value[0] {
                Value::Tagged(equals) if tag_of(equals) == "Equals" => {
                    strings(&equals.value) == [format!("Ref:{parameter}"), String::new()]
                }
                _ => false,
            },
            _ => false,
        };
        assert!(set, "{condition} is not `{parameter} is set`");
        // The bot's functions, roles and log groups; its secret stays (the alerts use it, and
        // deploy.sh fills it either way).
        let mut conditional = Vec::new();
        for (name, resource) in resources(&t) {
            let name = name.as_str().expect("resource name");
            let kind = resource["Type"].as_str().unwrap_or_default();
            if name.starts_with(prefix) && !kind.starts_with("AWS::SecretsManager") {
                assert_eq!(resource["Condition"].as_str(), Some(condition), "{name}");
                conditional.push(name);
            }
        }
        assert!(conditional.len() >= 3, "{prefix}: {conditional:?}");
    }
}

/// Whether `text` matches an IAM `StringLike` pattern (`*` any run, `?` one character).
fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[test]
fn the_key_patterns_are_the_stores_keys() {
    use promo_core::{CampaignId, InfluencerId, Lane, PromoCode};
    use promo_store::table::items;
    assert!(like("F#*", "F#spring#3") && like("CAMPAIGNS", "CAMPAIGNS"));
    assert!(!like("F#*", "K#F#x") && !like("CAMPAIGNS", "CAMPAIGNS2") && like("a?c*", "abcd"));
    let id = CampaignId::parse("spring").expect("id");
    let alice = InfluencerId::parse("alice").expect("id");
    let code = PromoCode::parse("7GM3-ABCDE2-FGHJK3").expect("code");
    for (pattern, key) in [
        ("C#*", items::campaign_pk(&id)),
        ("F#*", items::claim_pk(&id, items::CLAIM_SHARDS - 1)),
        ("K#*", items::code_pk(&code)),
        ("A#*", items::available_pk(&id, &Lane::Open, 0)),
        ("S#*", items::redeemed_pk(&id, &alice, 0)),
        ("CAMPAIGNS", items::CAMPAIGNS_PK.to_owned()),
    ] {
        assert!(like(pattern, &key), "{key} is not {pattern}");
    }
    let def = table_def();
    let names: Vec<&str> = def.indexes.iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        [
            promo_store::table::schema::GSI_AVAILABLE,
            promo_store::table::schema::GSI_LISTING
        ]
    );
    assert_eq!(names, ["gsi1", "gsi2"], "the index ARNs the roles name");
}

// ---------------------------------------------------------------------------------------------
// The roles against the store calls themselves: a proxy between the store and the embedded
// engine records each request's action, table or index, and partition key, as IAM sees them
// (a transaction is one check per item), and each is evaluated against the function's role.

/// One request as IAM evaluates it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Access {
    action: String,
    resource: String,
    key: Option<String>,
}

/// The partition key value a `Query` names (`pk = :p`, `gsi1pk = :p AND ...`).
fn queried_partition(doc: &serde_json::Value) -> Option<String> {
    let expr = doc["KeyConditionExpression"].as_str()?;
    expr.split(" AND ").find_map(|clause| {
        let parts: Vec<&str> = clause.split_whitespace().collect();
        match parts.as_slice() {
            [name, "=", value] if name.ends_with("pk") => doc["ExpressionAttributeValues"][*value]
                ["S"]
                .as_str()
                .map(str::to_owned),
            _ => None,
        }
    })
}

fn accesses(target: &str, body: &[u8]) -> Vec<Access> {
    let op = target.rsplit('.').next().unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let pk = |v: &serde_json::Value| v["pk"]["S"].as_str().map(str::to_owned);
    let on_table = |action: &str, key: Option<String>| Access {
        action: format!("dynamodb:{action}"),
        resource: "table".to_owned(),
        key,
    };
    // Every call names the one table (an access elsewhere would match no grant's resource).
    if doc["TableName"].as_str() != Some(promo_testkit::lambda::TABLE)
        && !doc["TableName"].is_null()
    {
        return vec![on_table("(another table)", None)];
    }
    match op {
        "GetItem" | "UpdateItem" | "DeleteItem" => vec![on_table(op, pk(&doc["Key"]))],
        "PutItem" => vec![on_table(op, pk(&doc["Item"]))],
        "Query" => vec![Access {
            action: "dynamodb:Query".to_owned(),
            resource: doc["IndexName"]
                .as_str()
                .map_or("table".to_owned(), |i| format!("index/{i}")),
            key: queried_partition(&doc),
        }],
        "TransactWriteItems" => doc["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| {
                for (part, action, at) in [
                    ("Put", "PutItem", "Item"),
                    ("Update", "UpdateItem", "Key"),
                    ("Delete", "DeleteItem", "Key"),
                    ("ConditionCheck", "ConditionCheckItem", "Key"),
                ] {
                    if let Some(p) = item.get(part) {
                        return on_table(action, pk(&p[at]));
                    }
                }
                on_table("TransactWriteItems?", None)
            })
            .collect(),
        // Scan, batches, table-level calls: no role grants them; they show up as refused.
        other => vec![on_table(other, None)],
    }
}

struct Relay {
    upstream: String,
    http: reqwest::Client,
    seen: std::sync::Mutex<Vec<Access>>,
}

async fn relay(
    axum::extract::State(relay): axum::extract::State<std::sync::Arc<Relay>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    relay
        .seen
        .lock()
        .expect("lock")
        .extend(accesses(target, &body));
    let mut forward = relay.http.post(&relay.upstream).body(body.to_vec());
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            forward = forward.header(name.as_str(), value.as_bytes());
        }
    }
    let answer = forward.send().await.expect("the engine answers");
    let mut out = axum::http::Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let bytes = answer.bytes().await.expect("the engine's reply");
    out.body(axum::body::Body::from(bytes)).expect("reply")
}

/// Starts the recording proxy in front of `upstream`; returns its URL and what it saw.
async fn recording_proxy(upstream: &str) -> (String, std::sync::Arc<Relay>) {
    let relay = std::sync::Arc::new(Relay {
        upstream: upstream.to_owned(),
        http: reqwest::Client::new(),
        seen: std::sync::Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .fallback(self::relay)
        .with_state(relay.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, relay)
}

/// Checks `seen` against `function`'s role: every access allowed, every grant (and every key
/// pattern of it) used by some access. Returns the problems found.
fn judge(function: &str, role: &Role, seen: &[Access]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used: BTreeSet<(usize, String)> = BTreeSet::new();
    for access in seen.iter().collect::<BTreeSet<_>>() {
        let allowed = role.grants.iter().enumerate().find_map(|(i, g)| {
            let key = access.key.as_deref()?;
            (g.action == access.action && g.resource == access.resource)
                .then(|| g.keys.iter().find(|p| like(p, key)).map(|p| (i, p.clone())))
                .flatten()
        });
        match allowed {
            Some(grant) => {
                used.insert(grant);
            }
            None => problems.push(format!(
                "{function}: {} on {} for key {:?} is not allowed by its role",
                access.action, access.resource, access.key
            )),
        }
    }
    for (i, g) in role.grants.iter().enumerate() {
        for p in &g.keys {
            if !used.contains(&(i, p.clone())) {
                problems.push(format!(
                    "{function}: {} on {} for {p} is granted but never used",
                    g.action, g.resource
                ));
            }
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_store_call_of_each_function_is_allowed_and_every_grant_is_used() {
    use promo_core::{
        CampaignId, Follower, InfluencerId, OrderRef, PageHolder, PageToken, Timestamp,
    };
    use promo_store::claims::ClaimRequest;
    use promo_store::{Store, Waiter};
    use promo_testkit::fixtures;

    let t = template();
    let engine = promo_testkit::lambda::SharedEngine::start().await;
    let setup = &engine.store;
    let (url, relay) = recording_proxy(engine.engine.endpoint()).await;
    // A fresh store per function, as a fresh Lambda has: nothing cached.
    let fresh = || {
        Store::new(
            promo_store::table::engine::client_for(&url),
            promo_testkit::lambda::TABLE,
        )
    };
    let take = || std::mem::take(&mut *relay.seen.lock().expect("lock"));

    let spring =
        fixtures::campaign_with_codes(setup, fixtures::campaign("spring", fixtures::HOUR_MS), 40)
            .await;
    let tiny =
        fixtures::campaign_with_codes(setup, fixtures::campaign("tiny", fixtures::HOUR_MS), 1)
            .await;
    let fall = fixtures::campaign_with_codes(setup, fixtures::campaign("fall", 1_500), 6).await;
    let alice = InfluencerId::parse("alice").expect("id");
    setup
        .add_influencer(&spring, alice.clone(), "Alice", Some(5))
        .await
        .expect("alice");
    setup
        .add_influencer(
            &spring,
            InfluencerId::parse("bob").expect("id"),
            "Bob",
            None,
        )
        .await
        .expect("bob");
    let telegram = |user: &str| Follower::parse("telegram", user).expect("follower");
    let discord = |user: &str| Follower::parse("discord", user).expect("follower");
    setup
        .link_account(&telegram("2001"), &spring, &alice)
        .await
        .expect("link");
    setup
        .link_account(&discord("3001"), &spring, &alice)
        .await
        .expect("link");
    setup
        .put_setting(
            "alerts",
            "seller",
            &serde_json::json!({ "telegram_chat": 1 }),
        )
        .await
        .expect("alert settings");
    let request =
        |campaign: &CampaignId, follower: Follower, via: Option<&InfluencerId>| ClaimRequest {
            campaign: campaign.clone(),
            follower,
            influencer: via.cloned(),
        };
    let now = Timestamp::now;
    let mut problems = Vec::new();
    let mut check = |function: &str, seen: Vec<Access>| {
        assert!(!seen.is_empty(), "{function} made no store call");
        problems.extend(judge(function, &role_of(&t, function), &seen));
    };

    // The issue function: a new claim, its repeat, a direct claim, an unknown campaign, and a
    // lane run dry (the drip's next release is looked up).
    let s = fresh();
    let claimed = s
        .claim(&request(&spring, telegram("1001"), Some(&alice)), now())
        .await
        .expect("store")
        .expect("a code");
    s.claim(&request(&spring, telegram("1001"), Some(&alice)), now())
        .await
        .expect("store")
        .expect("the same code");
    s.claim(&request(&spring, telegram("1002"), None), now())
        .await
        .expect("store")
        .expect("a code");
    let unknown = CampaignId::parse("nope").expect("id");
    s.claim(&request(&unknown, telegram("1002"), None), now())
        .await
        .expect("store")
        .expect_err("unknown");
    s.claim(&request(&tiny, telegram("1001"), None), now())
        .await
        .expect("store")
        .expect("the one code");
    s.claim(&request(&tiny, telegram("1002"), None), now())
        .await
        .expect("store")
        .expect_err("sold out");
    check("IssueFunction", take());

    // The redeem function: a redemption, its replay, an unknown code.
    let s = fresh();
    let order = OrderRef::parse("113-0000000-0000001").expect("order");
    s.redeem(&claimed.code, &order, now())
        .await
        .expect("store")
        .expect("redeemed");
    s.redeem(&claimed.code, &order, now())
        .await
        .expect("store")
        .expect("replayed");
    let stranger = promo_core::PromoCode::parse("ZZZZ-ZZZZZZ-ZZZZZZ").expect("code");
    s.redeem(&stranger, &order, now())
        .await
        .expect("store")
        .expect_err("unknown");
    check("RedeemFunction", take());

    // The Telegram webhook: one update with a claim, /stats, "Notify me", and an invite.
    let s = fresh();
    let source = promo_telegram::DELIVERY_SOURCE;
    s.begin_delivery(source, "501", now(), 60_000)
        .await
        .expect("begin");
    promo_telegram::options::bot_settings(&s)
        .await
        .expect("bot settings");
    promo_telegram::options::campaign_options(&s, &spring)
        .await
        .expect("options");
    s.campaign_context(&spring).await.expect("context");
    s.follower_claim(&spring, &telegram("1003"))
        .await
        .expect("held");
    s.claim(&request(&spring, telegram("1003"), Some(&alice)), now())
        .await
        .expect("store")
        .expect("a code");
    s.account_roles(&telegram("2001")).await.expect("roles");
    s.campaign_stats(&spring, now()).await.expect("stats");
    let waiter = Waiter {
        campaign: spring.clone(),
        follower: telegram("1004"),
        contact: "1004".into(),
        influencer: alice.clone(),
        language: None,
        joined_at: now(),
    };
    s.join_waitlist(&waiter, now().plus_ms(fixtures::HOUR_MS))
        .await
        .expect("join");
    // An influencer opens their invite.
    let invite = setup
        .create_invite(&spring, &alice, now().plus_ms(fixtures::HOUR_MS))
        .await
        .expect("invite");
    s.accept_invite(&invite, &telegram("2002"), now())
        .await
        .expect("accept");
    s.finish_delivery(source, "501").await.expect("finish");
    // A delivery whose handler panicked is released.
    let started = now();
    s.begin_delivery(source, "502", started, 60_000)
        .await
        .expect("begin");
    s.release_delivery(source, "502", started)
        .await
        .expect("release");
    check("TelegramFunction", take());

    // The waitlist notifier: lists campaigns and waiters, takes one, puts it back.
    let s = fresh();
    for ctx in s.list_contexts().await.expect("contexts") {
        s.waitlist(&ctx.campaign.id, 100).await.expect("waitlist");
    }
    promo_telegram::options::campaign_options(&s, &spring)
        .await
        .expect("options");
    s.has_stock_now(&spring, &alice, now())
        .await
        .expect("stock");
    assert!(
        s.take_waiter(&spring, &telegram("1004"))
            .await
            .expect("take")
    );
    s.join_waitlist(&waiter, now().plus_ms(fixtures::HOUR_MS))
        .await
        .expect("requeue");
    check("TelegramNotifyFunction", take());

    // The Discord endpoint: one interaction with a claim, /stats, and /join.
    let s = fresh();
    let source = promo_discord::claim::DELIVERY_SOURCE;
    s.begin_delivery(source, "601", now(), 60_000)
        .await
        .expect("begin");
    promo_discord::options::bot_settings(&s)
        .await
        .expect("bot settings");
    promo_discord::options::campaign_options(&s, &spring)
        .await
        .expect("options");
    promo_discord::options::guild_mapping(&s, 42)
        .await
        .expect("guild");
    s.campaign_context(&spring).await.expect("context");
    s.follower_claim(&spring, &discord("3002"))
        .await
        .expect("held");
    s.claim(&request(&spring, discord("3002"), Some(&alice)), now())
        .await
        .expect("store")
        .expect("a code");
    s.finish_delivery(source, "601").await.expect("finish");
    s.account_roles(&discord("3001")).await.expect("roles");
    s.campaign_stats(&spring, now()).await.expect("stats");
    // A claim whose influencer was typed (creator codes on) is noted first.
    promo_discord::options::creator_codes::record(&s, &spring, 3003, &alice, now())
        .await
        .expect("typed note");
    // An influencer runs /join with their invite.
    let invite = setup
        .create_invite(&spring, &alice, now().plus_ms(fixtures::HOUR_MS))
        .await
        .expect("invite");
    s.accept_invite(&invite, &discord("3004"), now())
        .await
        .expect("accept");
    check("DiscordFunction", take());

    // The dashboards: a token's revocation check, an influencer's page, the overview.
    let s = fresh();
    let token = PageToken {
        holder: PageHolder::Influencer(spring.clone(), alice.clone()),
        issued_at: now(),
        expires_at: now().plus_ms(fixtures::HOUR_MS),
    };
    s.check_not_revoked(&token)
        .await
        .expect("store")
        .expect("not revoked");
    let ctx = s
        .campaign_context(&spring)
        .await
        .expect("store")
        .expect("spring");
    s.campaign_stats(&spring, now()).await.expect("stats");
    s.activity(&spring, &alice, ctx.campaign.shards)
        .await
        .expect("activity");
    s.list_contexts().await.expect("overview");
    s.campaign_claims(&spring, None).await.expect("claims");
    check("StatsFunction", take());

    // The expire sweep once `fall` is over: ends it, retires its codes, publishes stock and
    // sends the seller's alerts (to an address that refuses, so each is re-armed).
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    let s = fresh();
    let report = promo_expire::run_sweep(&s, now(), 100)
        .await
        .expect("sweep");
    assert!(
        report.campaigns_ended >= 1 && report.codes_retired >= 6,
        "{report:?}"
    );
    promo_expire::publish_stock(&s, "shop", now())
        .await
        .expect("stock");
    let sender = promo_expire::alerts::AlertSender::from_vars(|name| match name {
        "PROMO_TELEGRAM_TOKEN" => Some("1:unreachable".into()),
        "PROMO_TELEGRAM_API_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    });
    let sent = promo_expire::alerts::send_alerts(&s, &sender, now())
        .await
        .expect("alerts");
    assert!(sent.failed >= 1, "{sent:?}");
    check("ExpireFunction", take());
    let ended = setup
        .get_campaign(&fall)
        .await
        .expect("store")
        .expect("fall");
    assert_eq!(ended.status, promo_core::CampaignStatus::Ended);

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
