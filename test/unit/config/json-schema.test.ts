// The JSON Schema editors use, the example config and the code's own schema must not drift apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { configJsonSchema } from "../../../src/config/json-schema.js";
import { loadConfig } from "../../../src/config/load.js";

const root = join(__dirname, "../../..");
const committed = JSON.parse(readFileSync(join(root, "config/herald.schema.json"), "utf8")) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(committed);

test("config/herald.schema.json is what the code's schema generates (run: npm run config-schema)", () => {
  expect(committed).toEqual(configJsonSchema());
});

test("the documented example is valid against the JSON Schema", () => {
  const example = parse(readFileSync(join(root, "config/herald.example.yaml"), "utf8"));
  expect(validate(example) ? [] : validate.errors).toEqual([]);
});

test("the JSON Schema catches what an editor should flag: unknown keys, wrong types, a missing jid", () => {
  expect(validate({ xmpp: { jid: "herald@example.org" }, feeds: [{ name: "x", url: "https://x/feed", intreval: "5m" }] })).toBe(false);
  expect(validate({ xmpp: { jid: "herald@example.org" }, announce: { max_per_poll: "five" } })).toBe(false);
  expect(validate({ nick: "Herald" })).toBe(false);
});

test("the container example config loads cleanly and is valid against the JSON Schema", () => {
  const path = join(root, "config/examples/herald.docker.yaml");
  expect(validate(parse(readFileSync(path, "utf8"))) ? [] : validate.errors).toEqual([]);
  const { config } = loadConfig(path, { HERALD_XMPP_PASSWORD: "from-env" }, "/");
  expect(config).toMatchObject({ store: "/data/herald.db", http: { host: "0.0.0.0", port: 9464 }, xmpp: { password: "from-env", service: "xmpp://prosody:5222" } });
});
