// config/examples/docker-compose.cluster.yml: two Herald instances on one PostgreSQL store. Both
// must run the same config with the same store URL (or they would not share the work) under
// distinct instance names (or `status` and /metrics could not tell them apart), and the config they
// load must select the PostgreSQL service the override defines.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../../src/config/load.js";
import { instanceIdentity } from "../../../src/cluster/identity.js";
import { isPostgresUrl } from "../../../src/store/location.js";

const EXAMPLES = resolve(__dirname, "../../../config/examples");

interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  depends_on?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
const compose = (name: string) => parse(readFileSync(join(EXAMPLES, name), "utf8")) as Compose;

const base = compose("docker-compose.yml");
const cluster = compose("docker-compose.cluster.yml");
// As `docker compose -f docker-compose.yml -f docker-compose.cluster.yml` merges them: an
// override's environment is added to the base service's, a service new in the override stands alone.
const merged = (name: string): Service => {
  const over = cluster.services[name] ?? {};
  const under = base.services[name] ?? {};
  return { ...under, ...over, environment: { ...under.environment, ...over.environment } };
};
const instances = ["herald", "herald-b"].map((name) => ({ name, service: merged(name) }));
/** The config file a service mounts at the path its HERALD_CONFIG names, relative to the examples. */
const mountedConfig = (service: Service): string => {
  const target = service.environment!.HERALD_CONFIG!;
  const mount = service.volumes!.find((v) => v.split(":")[1] === target);
  if (!mount) throw new Error(`no volume is mounted at HERALD_CONFIG (${target})`);
  return mount.split(":")[0]!;
};

test("the cluster override has PostgreSQL, two Herald instances and the base file's Prosody", () => {
  expect(Object.keys(cluster.services).sort()).toEqual(["herald", "herald-b", "postgres"]);
  expect(base.services.prosody).toBeDefined();
  expect(cluster.services.postgres!.image).toMatch(/^postgres:/);
  expect(Object.keys(cluster.volumes ?? {})).toContain("postgres-data");
  for (const { service } of instances) {
    expect(service.build).toBe(base.services.herald!.build);
    expect(service.depends_on).toEqual(expect.arrayContaining(["prosody", "postgres"]));
  }
});

test("both instances run the same config file with the same store URL, under distinct names", () => {
  const [a, b] = instances.map((i) => i.service) as [Service, Service];
  expect(mountedConfig(b)).toBe(mountedConfig(a));
  expect(b.environment!.HERALD_CONFIG).toBe(a.environment!.HERALD_CONFIG);
  expect(b.environment!.HERALD_XMPP_PASSWORD).toBe(a.environment!.HERALD_XMPP_PASSWORD);
  expect(a.environment!.HERALD_STORE_URL).toBeDefined();
  expect(b.environment!.HERALD_STORE_URL).toBe(a.environment!.HERALD_STORE_URL);
  const names = instances.map(({ service }) => instanceIdentity(undefined, service.environment).name);
  expect(names).toEqual([a.environment!.HERALD_INSTANCE, b.environment!.HERALD_INSTANCE]);
  expect(new Set(names).size).toBe(2);
  // Each /metrics listener on its own host port.
  const hostPorts = instances.map(({ service }) => service.ports?.[0]?.split(":").slice(0, -1).join(":"));
  expect(new Set(hostPorts).size).toBe(2);
});

test("the config each instance loads is valid and selects the postgres service", () => {
  const postgres = cluster.services.postgres!.environment!;
  for (const { service } of instances) {
    const { config } = loadConfig(join(EXAMPLES, mountedConfig(service)), service.environment!, "/");
    expect(isPostgresUrl(config.store)).toBe(true);
    const url = new URL(config.store);
    expect(url.hostname).toBe("postgres");
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(url.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    // No cluster.instance in the file: HERALD_INSTANCE names each instance.
    expect(config.cluster.instance).toBeUndefined();
    // WebSub callbacks are not divided between instances (README, "Several instances").
    expect(config.http?.publicUrl).toBeUndefined();
  }
});

test("both instances keep the image's health check (/healthz counts the rooms each instance holds)", () => {
  for (const { service } of instances) expect(service.healthcheck).toBeUndefined();
});
