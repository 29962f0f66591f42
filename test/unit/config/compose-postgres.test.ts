// config/examples/docker-compose.postgres.yml: Herald's config (herald.docker.yaml) with the
// environment both compose files give it selects the PostgreSQL service the override defines.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../../src/config/load.js";
import { isPostgresUrl } from "../../../src/store/location.js";

const EXAMPLES = resolve(__dirname, "../../../config/examples");

interface Compose {
  services: Record<string, { environment?: Record<string, string>; depends_on?: string[]; image?: string }>;
  volumes?: Record<string, unknown>;
}
const compose = (name: string) => parse(readFileSync(join(EXAMPLES, name), "utf8")) as Compose;

test("the PostgreSQL override points Herald's store at its postgres service, and the config parses", () => {
  const base = compose("docker-compose.yml");
  const override = compose("docker-compose.postgres.yml");
  const postgres = override.services.postgres!;
  const env = { ...base.services.herald!.environment, ...override.services.herald!.environment };

  const { config } = loadConfig(join(EXAMPLES, "herald.docker.yaml"), env, "/");
  expect(isPostgresUrl(config.store)).toBe(true);
  const url = new URL(config.store);
  expect(url.hostname).toBe("postgres");
  expect(url.username).toBe(postgres.environment!.POSTGRES_USER);
  expect(url.password).toBe(postgres.environment!.POSTGRES_PASSWORD);
  expect(url.pathname).toBe(`/${postgres.environment!.POSTGRES_DB}`);
  expect(override.services.herald!.depends_on).toEqual(expect.arrayContaining(["prosody", "postgres"]));
  expect(Object.keys(override.volumes ?? {})).toContain("postgres-data");
});
