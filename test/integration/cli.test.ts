// The command line as an operator meets it: the built CLI in a child process.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "./harness/bot.js";
import { openSqlite } from "../../src/store/sqlite/engine.js";

const herald = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env }, cwd: mkdtempSync(join(tmpdir(), "herald-cwd-")) });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "herald-cli-")), "herald.yaml");
  writeFileSync(path, text);
  return path;
};

test("--version prints the package version", () => {
  const r = herald(["--version"]);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^herald \d+\.\d+\.\d+\n$/);
});

test("check-config accepts the documented example", () => {
  const r = herald(["check-config", "--config", join(__dirname, "../../config/herald.example.yaml")]);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/OK \(1 feeds, 1 rooms/);
  // Valid, but its password is the example's placeholder: said, not refused.
  expect(r.err).toBe(`herald: warning: xmpp.password: still the examples' placeholder "change-me"; set the bot account's real password (the one given to prosodyctl register or ejabberdctl register)\n`);
});

test("an unknown option names the one that was meant (--confg → --config), exit 2", () => {
  const r = herald(["check-config", "--confg", "x.yaml"]);
  expect(r.code).toBe(2);
  expect(r.err.split("\n")[0]).toBe("herald: unknown option --confg (did you mean --config?)");
  expect(r.err).not.toContain("positional argument");
});

test("a config with several mistakes lists every one of them and exits 2", () => {
  const path = file(`xmpp:\n  jid: herald\nfeeds:\n  - name: blog\n    url: ftp://x\n    intreval: 5m\nrooms:\n  - jid: news@muc\n    feeds: [blgo]\n`);
  const r = herald(["check-config", "--config", path]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("xmpp.jid:");
  expect(r.err).toContain("feeds[0].url:");
  expect(r.err).toContain('unknown key "intreval" (did you mean "interval"?)');
  expect(r.err).toContain('rooms[0].feeds[0]: unknown feed "blgo"');
  expect(r.err).toContain("xmpp.password: missing");
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
});

test("run with a config that does not parse exits 2 with the line number, before connecting anywhere", () => {
  const r = herald(["run", "--config", file("xmpp:\n  jid: [unclosed\n")]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/herald\.yaml:\d+:\d+/);
});

test("HERALD_CONFIG names the file when --config is absent; a missing file says how to start", () => {
  const r = herald(["check-config"], { HERALD_CONFIG: "/nonexistent/herald.yaml" });
  expect(r.code).toBe(2);
  expect(r.err).toContain("/nonexistent/herald.yaml");
  expect(r.err).toContain("herald.example.yaml");
});

test("an unknown command exits 2 with the usage", () => {
  const r = herald(["frobnicate"]);
  expect(r.code).toBe(2);
  expect(r.err).toContain('unknown command "frobnicate"');
  expect(r.err).toContain("Usage: herald <command>");
});

test("a database from a newer Herald is refused with a clear message and exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-db-"));
  const db = await openSqlite(join(dir, "herald.db"));
  db.pragma("user_version = 999");
  db.close();
  const path = file(`xmpp:\n  jid: herald@localhost\n  password: x\n  service: xmpp://127.0.0.1:1\nstore: ${join(dir, "herald.db")}\n`);
  const r = herald(["run", "--config", path]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/schema version 999.*upgrade Herald/);
});

test("import-opml adds a reader's feeds to the store; export-opml lists them; a second import adds nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-opml-"));
  const path = file(`xmpp:\n  jid: herald@localhost\n  password: x\nstore: ${join(dir, "herald.db")}\nfeeds:\n  - { name: xsf, url: "https://xmpp.org/feeds/all.atom.xml" }\n`);
  const opml = join(__dirname, "../fixtures/opml/reader-export.opml");
  const first = herald(["import-opml", opml, "--interval", "30m", "--config", path]);
  expect(first.code).toBe(0);
  expect(first.out).toContain("already there: https://xmpp.org/feeds/all.atom.xml");
  expect(first.out).toContain("added prosody-im: https://blog.prosody.im/index.xml");
  expect(first.out).toContain("added cafe-creme: http://cafe.example.org/rss");
  expect(first.out).toContain("2 feeds added, 1 already there, 1 skipped.");
  expect(first.err).toContain("skipped Broken:");
  const exported = herald(["export-opml", "--config", path]);
  expect(exported.code).toBe(0);
  for (const url of ["https://xmpp.org/feeds/all.atom.xml", "https://blog.prosody.im/index.xml", "http://cafe.example.org/rss"]) expect(exported.out).toContain(`xmlUrl="${url}"`);
  expect(herald(["import-opml", opml, "--config", path]).out).toContain("0 feeds added, 3 already there");
  expect(herald(["import-opml", "/nonexistent.opml", "--config", path])).toMatchObject({ code: 1, err: expect.stringContaining("cannot import /nonexistent.opml") });
});

describe("a PostgreSQL store URL is never shown with its password", () => {
  const SECRET = "pg-secret-4711";
  const config = (store: string) => file(`xmpp:\n  jid: herald@localhost\n  password: x\n  service: xmpp://127.0.0.1:1\nstore: "${store}"\n`);

  test("check-config shows the store as postgres://user:***@…", () => {
    const r = herald(["check-config", "--config", config(`postgres://herald:${SECRET}@db.example.org/herald`)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("store postgres://herald:***@db.example.org/herald)");
    expect(r.out + r.err).not.toContain(SECRET);
  });

  test("HERALD_STORE_URL overrides the file; a database that does not answer stops run with exit 75 (temporary), the URL redacted", () => {
    const r = herald(["run", "--config", config("/nonexistent/herald.db")], { HERALD_STORE_URL: `postgres://herald:${SECRET}@127.0.0.1:1/herald`, LOG_FORMAT: "json" });
    // Not 1: the systemd unit does not restart exit 1, and a database still booting is worth a retry.
    expect(r.code).toBe(75);
    expect(r.err).toMatch(/herald: cannot open the database postgres:\/\/herald:\*\*\*@127\.0\.0\.1:1\/herald: .*ECONNREFUSED/);
    expect(r.out + r.err).not.toContain(SECRET);
  });
});
