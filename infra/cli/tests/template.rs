//! The SAM template against the code: its table is the store's one definition, every function
//! is a binary this workspace builds, and every HTTP route belongs to the function that serves
//! it. cfn-lint (run by `.ci/run`) checks the template against CloudFormation itself.

use promo_store::schema::{IndexDef, KeyAttr, table_def};
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

#[test]
fn every_secret_is_in_the_secret_and_none_in_an_environment() {
    let t = template();
    let secrets = of_type(&t, "AWS::SecretsManager::Secret");
    assert_eq!(secrets.len(), 1, "one secret");
    let generate = &secrets[0].1["GenerateSecretString"];
    let template: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        generate["SecretStringTemplate"]
            .as_str()
            .expect("SecretStringTemplate"),
    )
    .expect("the secret template is a JSON object");
    let mut in_secret: BTreeSet<String> = template.keys().cloned().collect();
    in_secret.insert(
        generate["GenerateStringKey"]
            .as_str()
            .expect("key")
            .to_owned(),
    );
    let expected: BTreeSet<String> = [
        "PROMO_API_KEY",
        "PROMO_LINK_SECRET",
        "PROMO_TELEGRAM_TOKEN",
        "PROMO_TELEGRAM_SECRET",
        "PROMO_DISCORD_PUBLIC_KEY",
        "PROMO_DISCORD_TOKEN",
    ]
    .map(String::from)
    .into();
    assert_eq!(in_secret, expected);

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
    assert!(env_names.iter().any(|n| n == "PROMO_SECRET_ID"));
    for name in env_names {
        assert!(
            !expected.contains(&name),
            "{name} would be a secret in plain environment"
        );
    }
}
