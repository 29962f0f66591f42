// `store:` as a PostgreSQL URL: kept as written, overridable by HERALD_STORE_URL, and its password
// never shown (redact() for logs and check-config; config errors never quote it).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/load.js";
import { isPostgresUrl, passwordOf, redact } from "../../../src/store/location.js";
import { pidFilePath } from "../../../src/ops/pid-file.js";

const DB_SECRET = "s3cret-db-pass";
const URL_WITH_PASSWORD = `postgres://herald:${DB_SECRET}@db.example.org:5432/herald`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-store-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string, env: NodeJS.ProcessEnv = {}) {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, text);
  return loadConfig(path, env, dir);
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const BASE = "xmpp:\n  jid: herald@example.org\n  password: bot-password\n";

describe("store: a PostgreSQL URL", () => {
  it("is kept as written (not resolved as a path), for postgres:// and postgresql://", () => {
    expect(load(`${BASE}store: postgres://herald@db/herald\n`).config.store).toBe("postgres://herald@db/herald");
    expect(load(`${BASE}store: postgresql://herald@db:5433/h\n`).config.store).toBe("postgresql://herald@db:5433/h");
    expect(load(`${BASE}store: POSTGRES://herald@db/herald\n`).config.store).toBe("POSTGRES://herald@db/herald");
    // A path is still relative to the working directory.
    expect(load(`${BASE}store: data/herald.db\n`).config.store).toBe(join(dir, "data/herald.db"));
  });

  it("HERALD_STORE_URL overrides the file's store, and is ignored when empty", () => {
    const env = { HERALD_STORE_URL: "postgres://herald@db/from-env" };
    expect(load(`${BASE}store: data/herald.db\n`, env).config.store).toBe("postgres://herald@db/from-env");
    expect(load(BASE, env).config.store).toBe("postgres://herald@db/from-env");
    expect(load(`${BASE}store: data/herald.db\n`, { HERALD_STORE_URL: "" }).config.store).toBe(join(dir, "data/herald.db"));
  });

  it("a URL naming no database, or one that does not parse, is a problem that never quotes the password", () => {
    const noDatabase = configError(() => load(`${BASE}store: "postgres://herald:${DB_SECRET}@db:5432"\n`));
    expect(noDatabase.problems).toEqual([{ path: "store", message: expect.stringMatching(/^names no database/) }]);
    const badPort = configError(() => load(BASE, { HERALD_STORE_URL: `postgres://herald:${DB_SECRET}@db:notaport/h` }));
    expect(badPort.problems).toEqual([{ path: "store", message: expect.stringMatching(/^is not a valid PostgreSQL URL/) }]);
    for (const error of [noDatabase, badPort]) expect(error.message).not.toContain(DB_SECRET);
  });

  it("other config errors never show the store URL's password", () => {
    // A mistake that quotes a value: the password sits in it as well.
    const error = configError(() => load(`xmpp:\n  jid: "${DB_SECRET}"\n  password: x\nstore: "${URL_WITH_PASSWORD}"\n`));
    expect(error.message).toContain("xmpp.jid");
    expect(error.message).not.toContain(DB_SECRET);
    const fromEnv = configError(() => load(`xmpp:\n  jid: "${DB_SECRET}"\n  password: x\n`, { HERALD_STORE_URL: URL_WITH_PASSWORD }));
    expect(fromEnv.message).not.toContain(DB_SECRET);
  });
});

describe("redact", () => {
  it("hides a URL's password and leaves the rest, and leaves file paths alone", () => {
    expect(redact(URL_WITH_PASSWORD)).toBe("postgres://herald:***@db.example.org:5432/herald");
    expect(redact("postgresql://herald@db/herald")).toBe("postgresql://herald@db/herald");
    expect(redact("/var/lib/herald/herald.db")).toBe("/var/lib/herald/herald.db");
    expect(redact(":memory:")).toBe(":memory:");
    // Not a URL the parser accepts (a bad port): the password is hidden all the same.
    expect(redact(`postgres://herald:${DB_SECRET}@db:x/h`)).not.toContain(DB_SECRET);
  });

  it("passwordOf finds the (decoded) password, so a library's message can be scrubbed of it", () => {
    expect(passwordOf(URL_WITH_PASSWORD)).toBe(DB_SECRET);
    expect(passwordOf("postgres://herald:p%40ss@db/h")).toBe("p@ss");
    expect(passwordOf("postgres://herald@db/h")).toBeUndefined();
    expect(passwordOf("/data/herald.db")).toBeUndefined();
    expect(isPostgresUrl("postgresql://x/y")).toBe(true);
    expect(isPostgresUrl("/data/postgres://x")).toBe(false);
  });
});

describe("pid file", () => {
  it("is beside a SQLite store, and beside the config file for a PostgreSQL store", () => {
    expect(pidFilePath("/var/lib/herald/herald.db", "/etc/herald/herald.yaml")).toBe("/var/lib/herald/herald.pid");
    expect(pidFilePath("postgres://herald@db/herald", "/etc/herald/herald.yaml")).toBe("/etc/herald/herald.pid");
    expect(pidFilePath(":memory:", "/etc/herald/herald.yaml")).toBeUndefined();
  });
});
