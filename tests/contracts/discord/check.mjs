// Holds what the tests exchanged with Discord to Discord's own definition: the Zod schemas that
// discord-api-spec generates from Discord's OpenAPI spec.
//   discord-responses.jsonl     the endpoint's answers, by callback type
//   discord-requests.jsonl      follow-up edits, channel messages (alerts), command registrations
//   discord-interactions.jsonl  the interactions the tests sent (see interaction.mjs)
// Zod objects drop keys they do not know; a key the input has and the parsed value lacks is a
// field Discord does not define, and is reported as such.
//
// Usage: node check.mjs RECORDS_DIR              validate the suite's records
//        node check.mjs --must-fail FILE.jsonl    every record must be refused (negative control)
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod/mini";
import * as spec from "discord-api-spec/zod";
import { Interaction } from "./interaction.mjs";

z.config(z.locales.en());

// Where the generated spec is narrower than what Discord documents and sends, the record is
// brought to the spec's form first; each such difference is listed here, with its reason.
const KNOWN = [
  ["default_member_permissions as text",
    "the spec types it as an integer; Discord's documentation as a string (a permission bit set), " +
    "which serenity and discord.js send: a numeric string is read as its number",
    (r) => r.path?.endsWith("/commands") && Array.isArray(r.body) &&
      r.body.forEach((c) => typeof c.default_member_permissions === "string" &&
        /^[0-9]+$/.test(c.default_member_permissions) &&
        (c.default_member_permissions = Number(c.default_member_permissions)))],
  ["timestamps with +00:00",
    "Discord sends ISO 8601 timestamps with a +00:00 offset; the generated z.iso.datetime() takes " +
    "only Z: an interaction's +00:00 is read as Z",
    (r) => r.interaction && (r.interaction = JSON.parse(JSON.stringify(r.interaction).replace(
      /("\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+00:00"/g, "$1Z\"")))],
];

const RESPONSES = {
  1: ["PongInteractionCallbackRequest", spec.PongInteractionCallbackRequestSchema],
  4: ["CreateMessageInteractionCallbackRequest", spec.CreateMessageInteractionCallbackRequestSchema],
  5: ["CreateMessageInteractionCallbackRequest", spec.CreateMessageInteractionCallbackRequestSchema],
  6: ["UpdateMessageInteractionCallbackRequest", spec.UpdateMessageInteractionCallbackRequestSchema],
  7: ["UpdateMessageInteractionCallbackRequest", spec.UpdateMessageInteractionCallbackRequestSchema],
  9: ["ModalInteractionCallbackRequest", spec.ModalInteractionCallbackRequestSchema],
};

// The requests the product makes, by method and path.
const ROUTES = [
  ["PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/,
    "IncomingWebhookUpdateForInteractionCallbackRequestPartial",
    spec.IncomingWebhookUpdateForInteractionCallbackRequestPartialSchema],
  ["POST", /^\/channels\/\d+\/messages$/, "MessageCreateRequest", spec.MessageCreateRequestSchema],
  ["PATCH", /^\/applications\/@me$/, "ApplicationFormPartial", spec.ApplicationFormPartialSchema],
  ["PUT", /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/, "ApplicationCommandUpdateRequest[]",
    z.array(spec.ApplicationCommandUpdateRequestSchema).check(z.maxLength(100))],
];

function path(parts) {
  return parts.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

// Keys of `input` that `parsed` (the schema's output) dropped: fields Discord does not define.
function unknownKeys(input, parsed, at = []) {
  if (Array.isArray(input) && Array.isArray(parsed)) {
    return input.flatMap((v, i) => unknownKeys(v, parsed[i], [...at, i]));
  }
  if (input && typeof input === "object" && parsed && typeof parsed === "object") {
    return Object.keys(input).flatMap((k) =>
      k in parsed ? unknownKeys(input[k], parsed[k], [...at, k]) : [[path(at) || "(top)", `'${k}' is not a field Discord defines here`]],
    );
  }
  return [];
}

function validate(schema, value) {
  const result = z.safeParse(schema, value);
  if (!result.success) {
    return result.error.issues.map((i) => [path(i.path) || "(top)", `${i.message}${i.code === "invalid_union" ? " (no branch matched)" : ""}`]);
  }
  return unknownKeys(value, result.data);
}

function checkResponse({ response }) {
  const entry = RESPONSES[response?.type];
  if (!entry) return [`response type ${response?.type}`, [["type", "not a callback type the product may send"]]];
  return [entry[0], validate(entry[1], response)];
}

function checkRequest({ method, path: p, body }) {
  const route = ROUTES.find(([m, re]) => m === method && re.test(p));
  if (!route) return [`${method} ${p}`, [["", "no schema for this request: add its route here"]]];
  return [route[2], validate(route[3], body)];
}

function checkInteraction({ interaction }) {
  return [`Interaction type ${interaction?.type}`, validate(Interaction, interaction)];
}

function check(record) {
  for (const [, , bring] of KNOWN) bring(record);
  if ("response" in record) return checkResponse(record);
  if ("interaction" in record) return checkInteraction(record);
  return checkRequest(record);
}

function read(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function main(argv) {
  if (argv[0] === "--must-fail") {
    const records = read(argv[1]);
    const passed = records.filter((r) => check(r)[1].length === 0);
    for (const r of passed) console.log(`discord negative control: accepted what must be refused: ${r.why}`);
    console.log(`discord negative control: ${records.length - passed.length} of ${records.length} refused`);
    return passed.length || !records.length ? 1 : 0;
  }
  const dir = argv[0];
  const streams = ["discord-responses", "discord-requests", "discord-interactions"];
  const counts = new Map();
  const failures = new Map();
  let total = 0;
  for (const stream of streams) {
    const records = read(join(dir, `${stream}.jsonl`));
    if (!records.length) {
      console.log(`discord: no records in ${stream}.jsonl: no test exercised it`);
      return 1;
    }
    for (const r of records) {
      const [name, errors] = check(r);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      for (const [where, message] of errors) {
        total += 1;
        const key = `${name}: ${where}: ${message}`;
        if (!failures.has(key)) failures.set(key, r.test ?? "?");
      }
    }
  }
  console.log("discord: records against discord-api-spec (known differences: " +
    KNOWN.map(([name]) => name).join("; ") + "):");
  console.log("  " + [...counts].sort().map(([k, v]) => `${k} ${v}`).join(", "));
  for (const [key, test] of failures) console.log(`  ${key}  [test ${test}]`);
  if (failures.size) {
    console.log(`discord: ${failures.size} distinct contract failures (${total} in all)`);
    return 1;
  }
  console.log("discord: every response, request and interaction matches Discord's definition");
  return 0;
}

process.exit(main(process.argv.slice(2)));
