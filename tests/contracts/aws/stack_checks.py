"""The deploy rehearsal's checks of what deploy.sh made, through moto's APIs (boto3).

Usage: stack_checks.py STACK REFERENCE_TABLE RECORD.jsonl STATE.json first|again

`first` checks the stack after the first deploy and writes STATE.json (ids, and digests of the
secrets' values: never a value itself); `again` checks the stack after a second deploy against
it: the same stack, table and secrets, their values kept, nothing made twice. REFERENCE_TABLE
was made by `promo table create`, i.e. from functions/store/src/table/schema.rs. Each failed
check is printed as FAILED: ... and makes the exit status 1.
"""
import hashlib
import json
import os
import sys

import boto3

stack, reference, record, state_path, phase = sys.argv[1:6]
failures = []


def check(ok, what):
    print(("  ok      " if ok else "FAILED: ") + what, file=sys.stdout if ok else sys.stderr)
    if not ok:
        failures.append(what)


def digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


cfn, ddb, sm = boto3.client("cloudformation"), boto3.client("dynamodb"), boto3.client("secretsmanager")
lam, apigw, sched = boto3.client("lambda"), boto3.client("apigatewayv2"), boto3.client("scheduler")

# The stack: one, complete, built from the transformed template (SAM's resources expanded).
stacks = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
names = sorted(s["StackName"] for s in stacks)
check(names == sorted([stack, "aws-sam-cli-managed-default"]),
      f"one stack {stack} (and SAM's artifact stack), found {names}")
described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
check(described["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"stack status {described['StackStatus']}")
outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
types, physical = {}, {}
for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
    types.setdefault(r["ResourceType"], []).append(r["LogicalResourceId"])
    physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
check("AWS::Serverless::Function" not in types and len(types.get("AWS::Lambda::Function", [])) == 7,
      f"seven AWS::Lambda::Function from the transform, found {sorted(types.get('AWS::Lambda::Function', []))}")
check(len(types.get("AWS::ApiGatewayV2::Api", [])) == 1, "one HTTP API (AWS::ApiGatewayV2::Api)")
check(len(types.get("AWS::Scheduler::Schedule", [])) == 2, "two schedules (expire sweep, waitlist notifier)")

# The table: the store's definition, as `promo table create` makes it from schema.rs.
def shape(name):
    t = ddb.describe_table(TableName=name)["Table"]
    return {
        "keys": t["KeySchema"],
        "attributes": sorted(t["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "indexes": sorted(({"name": i["IndexName"], "keys": i["KeySchema"],
                            "projection": i["Projection"]} for i in t.get("GlobalSecondaryIndexes", [])),
                          key=lambda i: i["name"]),
    }


table = outputs.get("TableName", "")
tables = ddb.list_tables()["TableNames"]
check(table in tables, f"the stack's table {table} exists")
if table in tables:
    mine, store = shape(table), shape(reference)
    for part in ("keys", "attributes", "indexes"):
        check(mine[part] == store[part], f"table {part} as the store defines them: {json.dumps(mine[part])}")
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") == "DISABLED":
        # moto's CloudFormation ignores TimeToLiveSpecification; template.rs and cfn-lint check it.
        print("  note    TTL not checked: moto's CloudFormation does not apply TimeToLiveSpecification")
    else:
        check(ttl.get("AttributeName") == "expires_at", "TTL on expires_at")

# The secrets: the bot tokens from the environment, generated keys, nothing empty.
expected = {
    "ApiKeySecretId": {"PROMO_API_KEY": None},
    "LinkSecretId": {"PROMO_LINK_SECRET": None},
    "TelegramSecretId": {"PROMO_TELEGRAM_TOKEN": os.environ["PROMO_TELEGRAM_TOKEN"], "PROMO_TELEGRAM_SECRET": None},
    "DiscordSecretId": {"PROMO_DISCORD_TOKEN": os.environ["PROMO_DISCORD_TOKEN"],
                        "PROMO_DISCORD_PUBLIC_KEY": os.environ["PROMO_DISCORD_PUBLIC_KEY"]},
}
values = {}
for output, names_values in expected.items():
    doc = json.loads(sm.get_secret_value(SecretId=outputs[output])["SecretString"])
    for name, want in names_values.items():
        got = doc.get(name, "")
        values[name] = got
        if want is None:
            check(len(got) >= 32, f"{name} generated in {output}")
        else:
            check(got == want, f"{name} in {output} is the deploy's")
check(len(sm.list_secrets()["SecretList"]) == 4, "four secrets")

# The functions: each a zip that sam uploaded, the runtime and handler of the template.
functions = lam.list_functions()["Functions"]
check(len(functions) == 7, f"seven functions, found {len(functions)}")
for f in functions:
    # A built function is megabytes; anything less is not cargo lambda's output.
    check(f["Runtime"] == "provided.al2023" and f["Handler"] == "bootstrap" and f["CodeSize"] > 1_000_000,
          f"{f['FunctionName']}: provided.al2023, bootstrap, code of {f['CodeSize']} bytes")
    check("PROMO_SECRET_IDS" in f.get("Environment", {}).get("Variables", {}),
          f"{f['FunctionName']}: PROMO_SECRET_IDS in its environment")
# deploy.sh's --reserved-concurrency auto, on an account whose limit allows it (moto's does).
for logical, want in {"TelegramFunction": 40, "DiscordFunction": 100, "StatsFunction": 10,
                      "IssueFunction": None, "RedeemFunction": None}.items():
    got = lam.get_function(FunctionName=physical.get(logical, logical)).get("Concurrency", {}) \
        .get("ReservedConcurrentExecutions")
    check(got == want, f"{logical}: reserved concurrency {got}")
apis = apigw.get_apis()["Items"]
routes = sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=apis[0]["ApiId"])["Items"]) if apis else []
check(len(apis) == 1 and len(routes) == 9, f"one HTTP API with the template's nine routes: {routes}")
schedules = {s["Name"] for s in sched.list_schedules()["Schedules"]}
check({f"{stack}-expire", f"{stack}-notify"} <= schedules,
      f"the two schedules in EventBridge Scheduler, named after the stack: {sorted(schedules)}")

# The fakes: the webhook (URL, secret token as stored), the menu, the Discord endpoint URL and commands.
seen = [json.loads(l) for l in open(record)]
token = os.environ["PROMO_TELEGRAM_TOKEN"]
hooks = [r for r in seen if r["path"] == f"/bot{token}/SetWebhook" or r["path"] == f"/bot{token}/setWebhook"]
runs = 1 if phase == "first" else 2
check(len(hooks) == runs, f"{runs} setWebhook call(s) with the bot's token, found {len(hooks)}")
if hooks:
    body = hooks[-1]["body"] or {}
    check(body.get("url") == outputs["ApiUrl"] + "/telegram/webhook", f"webhook URL {body.get('url')}")
    check(body.get("secret_token") == values["PROMO_TELEGRAM_SECRET"], "webhook secret token is the stored one")
menus = [r for r in seen if r["path"].lower() == f"/bot{token}/setmycommands"]
check(len(menus) == runs, f"{runs} setMyCommands call(s)")
endpoints = [r for r in seen if r["method"] == "PATCH" and r["path"] == "/api/v10/applications/@me"]
check(len(endpoints) == runs, f"{runs} Interactions Endpoint URL update(s), found {len(endpoints)}")
if endpoints:
    url = (endpoints[-1]["body"] or {}).get("interactions_endpoint_url")
    check(url == outputs["ApiUrl"] + "/discord/interactions", f"Interactions Endpoint URL {url}")
    check(endpoints[-1]["authorization"] == "Bot " + os.environ["PROMO_DISCORD_TOKEN"],
          "endpoint URL set with the bot token")
app = os.environ["PROMO_DISCORD_APP_ID"]
commands = [r for r in seen if r["method"] == "PUT" and r["path"] == f"/api/v10/applications/{app}/commands"]
check(len(commands) == runs, f"{runs} Discord bulk command registration(s), found {len(commands)}")
if commands:
    check(commands[-1]["authorization"] == "Bot " + os.environ["PROMO_DISCORD_TOKEN"], "Discord call with the bot token")
    check({c.get("name") for c in commands[-1]["body"] or []} >= {"claim", "stats"},
          f"commands {sorted(c.get('name') for c in commands[-1]['body'] or [])}")

state = {"stack_id": described["StackId"], "table": table,
         "secrets": {k: outputs[k] for k in expected},
         "values": {k: digest(v) for k, v in values.items()}}
if phase == "first":
    json.dump(state, open(state_path, "w"))
else:
    before = json.load(open(state_path))
    check(state["stack_id"] == before["stack_id"], "the same stack, updated in place")
    check(state["table"] == before["table"], "the same table")
    check(state["secrets"] == before["secrets"], "the same four secrets")
    check(state["values"] == before["values"], "every secret value kept (keys, webhook secret, tokens)")
    check(len(tables) == 2, f"no second table (the stack's and the reference), found {len(tables)}")

sys.exit(1 if failures else 0)
