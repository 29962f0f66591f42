import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { ConfigError, loadConfig, resolveConfigPath } from "../../../src/config/load.js";
import { configFileSchema } from "../../../src/config/schema.js";

const EXAMPLE = join(__dirname, "../../../config/herald.example.yaml");
const SECRET = "correct-horse-battery-staple";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to `name` under the temp dir and returns its path. */
function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function load(text: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig(write("herald.yaml", text), env, dir);
}

/** The ConfigError `run` throws; fails the test when it throws nothing or something else. */
function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const MINIMAL = `
xmpp:
  jid: herald@example.org
  password: ${SECRET}
`;

describe("loadConfig: valid files", () => {
  it("applies every default to a minimal file and warns that there is nothing to do", () => {
    const { config, warnings } = load(MINIMAL);
    expect(config).toEqual({
      xmpp: {
        jid: "herald@example.org",
        username: "herald",
        domain: "example.org",
        password: SECRET,
        service: "xmpp://example.org",
        resource: "herald",
      },
      nick: "Herald",
      admins: [],
      store: join(dir, "data/herald.db"),
      feeds: [],
      rooms: [],
      pubsub: [],
      mix: [],
      timeZone: "UTC",
      announce: { maxAgeMs: 7 * 24 * 3_600_000, maxPerPoll: 5, roomBurst: 5, roomIntervalMs: 2_000, correctionsMs: 24 * 3_600_000 },
      fetch: { timeoutMs: 30_000, allowPrivateAddresses: false, reportFailuresAfterMs: 3_600_000, minIntervalMs: 120_000, maxIntervalMs: 3_600_000 },
      cluster: { leaseMs: 30_000 },
    });
    expect(warnings).toEqual([expect.stringMatching(/^feeds: none defined/), expect.stringMatching(/^rooms: none defined/)]);
  });

  it("turns the snake_case file into the camelCase config", () => {
    const cwd = join(dir, "elsewhere");
    const path = write(
      "herald.yaml",
      `
xmpp:
  jid: Herald@Example.org
  password: pw
  service: xmpps://xmpp.example.org:5223
  resource: bot-1
nick: Announcer
admins: [Admin@Example.ORG, admin@example.org, bob@example.org]
store: state/herald.db
feeds:
  - { name: xsf, url: "https://xmpp.org/feeds/all.atom.xml", interval: 1h30m }
  - { name: blog, url: "http://blog.example.org/rss", interval: 90 }
  - { name: quiet, url: "https://quiet.example.org/feed" }
rooms:
  - { jid: News@Conference.example.org, feeds: [xsf, blog], password: door, nick: Herald2 }
  - { jid: dev@conference.example.org, feeds: [quiet] }
http: { listen: "[::1]:9464" }
fetch: { timeout: 45s, user_agent_contact: "mailto:ops@example.org" }
`,
    );
    const { config, warnings } = loadConfig(path, {}, cwd);
    expect(config.xmpp).toMatchObject({ jid: "herald@example.org", username: "herald", domain: "example.org" });
    expect(config.xmpp.service).toBe("xmpps://xmpp.example.org:5223");
    expect(config.xmpp.resource).toBe("bot-1");
    expect(config.nick).toBe("Announcer");
    expect(config.admins).toEqual(["admin@example.org", "bob@example.org"]);
    // The store is relative to the working directory, not to the config file.
    expect(config.store).toBe(join(cwd, "state/herald.db"));
    expect(config.feeds).toEqual([
      { kind: "http", name: "xsf", url: "https://xmpp.org/feeds/all.atom.xml", intervalMs: 5_400_000 },
      { kind: "http", name: "blog", url: "http://blog.example.org/rss", intervalMs: 90_000 },
      { kind: "http", name: "quiet", url: "https://quiet.example.org/feed" },
    ]);
    expect(config.rooms).toEqual([
      { jid: "news@conference.example.org", feeds: ["xsf", "blog"], password: "door", nick: "Herald2" },
      { jid: "dev@conference.example.org", feeds: ["quiet"] },
    ]);
    expect(config.http).toEqual({ host: "::1", port: 9464 });
    expect(config.fetch).toEqual({ timeoutMs: 45_000, userAgentContact: "mailto:ops@example.org", allowPrivateAddresses: false, reportFailuresAfterMs: 3_600_000, minIntervalMs: 120_000, maxIntervalMs: 3_600_000 });
    expect(warnings).toEqual([]);
  });

  it("warns about feeds no room announces and rooms without feeds", () => {
    const { warnings } = load(`${MINIMAL}
feeds: [{ name: xsf, url: "https://xmpp.org/feed" }, { name: copy, url: "https://xmpp.org/feed" }]
rooms: [{ jid: a@conference.example.org, feeds: [xsf] }, { jid: b@conference.example.org }]
`);
    expect(warnings).toEqual([
      'feeds[1]: feed "copy" is in no room\'s feeds, so it is fetched but never announced',
      "feeds[1].url: same URL as feeds[0], so it is fetched twice",
      "rooms[1]: b@conference.example.org lists no feeds, so nothing is announced there",
    ]);
  });

  it("loads the shipped example without problems", () => {
    const { config } = loadConfig(EXAMPLE, {}, dir);
    expect(config.xmpp.jid).toBe("herald@localhost");
    expect(config.xmpp.service).toBe("xmpp://127.0.0.1:5222");
    expect(config.rooms.map((room) => room.jid)).toEqual(["news@conference.localhost"]);
    expect(config.feeds.length).toBeGreaterThan(0);
  });

  it("documents every key of the schema in the example (so it cannot drift)", () => {
    const example = readFileSync(EXAMPLE, "utf8");
    const keys = new Set<string>();
    const collect = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return;
      const { properties, items } = node as { properties?: Record<string, unknown>; items?: unknown };
      for (const [key, child] of Object.entries(properties ?? {})) {
        keys.add(key);
        collect(child);
      }
      collect(items);
    };
    collect(z.toJSONSchema(configFileSchema, { io: "input" }));
    expect(keys.size).toBeGreaterThan(15);
    for (const key of keys) expect(example).toMatch(new RegExp(`^\\s*(#\\s*)?(- )?${key}:`, "m"));
  });
});

describe("loadConfig: problems", () => {
  it("reports every mistake at once, each with its key path", () => {
    const error = configError(() =>
      load(`
xmpp:
  jid: herald@example.org/laptop
  service: https://example.org
admins: [not-a-jid]
feeds:
  - { name: xsf, url: "ftp://xmpp.org/feed", interval: 500ms }
  - { name: xsf, url: "https://example.org/feed", interval: soon }
rooms:
  - { jid: news@conference.example.org, feeds: [xsf, foo] }
  - { jid: NEWS@conference.example.org }
nickname: Herald
`),
    );
    const paths = error.problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "xmpp.jid",
        "xmpp.service",
        "xmpp.password",
        "admins[0]",
        "feeds[0].url",
        "feeds[0].interval",
        "feeds[1].name",
        "feeds[1].interval",
        "rooms[0].feeds[1]",
        "rooms[1].jid",
        "(top level)",
      ]),
    );
    expect(error.problems).toHaveLength(11);
    // One line per problem after the heading, each "<path>: <what is wrong>; expected <what>".
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(`11 problems in ${join(dir, "herald.yaml")}:`);
    expect(lines.slice(1)).toEqual(error.problems.map((p) => `${p.path}: ${p.message}`));
    for (const problem of error.problems) expect(problem.message).toMatch(/.; expected ./);
    expect(error.message).toContain('xmpp.jid: "herald@example.org/laptop" has a resource');
    expect(error.message).toContain('feeds[0].interval: "500ms" is too short; expected at least 1s');
    expect(error.message).toContain('feeds[1].name: "xsf" is also the name of feeds[0]');
    expect(error.message).toContain('rooms[1].jid: "news@conference.example.org" is also rooms[0]');
  });

  it("names an unknown key and suggests the close known one", () => {
    const error = configError(() => load(`${MINIMAL}\nfeeds: [{ name: xsf, url: "https://xmpp.org/feed", intreval: 10m }]\n`));
    expect(error.problems).toEqual([
      {
        path: "feeds[0]",
        message: 'unknown key "intreval" (did you mean "interval"?); expected only name, url, path, interval, link, time_zone, translations',
      },
    ]);
  });

  it("refuses a longest interval shorter than the shortest, written as text or as seconds", () => {
    expect(configError(() => load(`${MINIMAL}\nfetch: { max_interval: 1m }\n`)).problems).toEqual([
      { path: "fetch.max_interval", message: "is shorter than fetch.min_interval (2m); expected at least that" },
    ]);
    expect(configError(() => load(`${MINIMAL}\nfetch: { min_interval: 600, max_interval: 300 }\n`)).problems).toEqual([
      { path: "fetch.max_interval", message: "is shorter than fetch.min_interval (10m); expected at least that" },
    ]);
    expect(load(`${MINIMAL}\nfetch: { min_interval: 300, max_interval: 10m }\n`).config.fetch).toMatchObject({ minIntervalMs: 300_000, maxIntervalMs: 600_000 });
  });

  it("suggests snake_case for a camelCase key, and nothing for an unrelated key", () => {
    const error = configError(() => load(`${MINIMAL}\nfetch: { userAgentContact: x }\ncolour: blue\n`));
    expect(error.problems).toEqual([
      { path: "fetch", message: expect.stringContaining('unknown key "userAgentContact" (did you mean "user_agent_contact"?)') },
      { path: "(top level)", message: expect.stringMatching(/^unknown key "colour"; expected only xmpp, nick, /) },
    ]);
  });

  it("reports a room's reference to an undefined feed on the room's key path", () => {
    const error = configError(() =>
      load(`${MINIMAL}
feeds: [{ name: xsf, url: "https://xmpp.org/feed" }, { name: blog, url: "https://blog.example.org/feed" }]
rooms: [{ jid: news@conference.example.org, feeds: [xsf, foo, blgo] }]
`),
    );
    expect(error.problems).toEqual([
      { path: "rooms[0].feeds[1]", message: 'unknown feed "foo"; expected one of the defined feeds: xsf, blog' },
      { path: "rooms[0].feeds[2]", message: 'unknown feed "blgo" (did you mean "blog"?); expected one of the defined feeds: xsf, blog' },
    ]);
  });

  it("gives the line and column of a YAML syntax error", () => {
    const error = configError(() => load("xmpp:\n  jid: herald@example.org\n  password: [unclosed\nnick: Herald\n"));
    expect(error.problems).toHaveLength(1);
    // Reported at the bracket that is never closed (line 3), not where the parser gave up (line 4).
    expect(error.problems[0]!.path).toMatch(/herald\.yaml:3:13$/);
    expect(error.problems[0]!.message).toMatch(/^YAML syntax error: .+; expected valid YAML/);
  });

  it("reports a duplicated key as a YAML error", () => {
    const error = configError(() => load(`${MINIMAL}nick: A\nnick: B\n`));
    expect(error.problems[0]!.path).toMatch(/herald\.yaml:6:1$/);
    expect(error.problems[0]!.message).toContain("unique");
  });

  it("says an empty file is empty", () => {
    const error = configError(() => load("# nothing but a comment\n"));
    expect(error.problems).toEqual([{ path: "(top level)", message: expect.stringMatching(/^the file is empty; expected .*herald\.example\.yaml/) }]);
  });

  it("suggests quotes when YAML read a value as a number", () => {
    const error = configError(() => load("xmpp:\n  jid: herald@example.org\n  password: 12345\n"));
    expect(error.problems).toEqual([{ path: "xmpp.password", message: "is a number; expected text (put it in quotes)" }]);
  });

  it("says what is wrong when the file is not a mapping", () => {
    const error = configError(() => load("- just\n- a list\n"));
    expect(error.problems).toEqual([{ path: "(top level)", message: "is a list; expected a mapping" }]);
  });

  it("names the missing file, the OS reason and the example to copy", () => {
    const missing = join(dir, "nope.yaml");
    const error = configError(() => loadConfig(missing, {}, dir));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe(missing);
    expect(error.problems[0]!.message).toContain("ENOENT: no such file or directory");
    expect(error.problems[0]!.message).toContain("copy config/herald.example.yaml");
  });

  it("resolves a relative config path against cwd", () => {
    write("sub/herald.yaml", MINIMAL);
    expect(loadConfig("sub/herald.yaml", {}, dir).config.xmpp.password).toBe(SECRET);
  });
});

describe("loadConfig: the password", () => {
  const withoutPassword = "xmpp:\n  jid: herald@example.org\n";

  it("reads password_file relative to the config file, without the trailing newline", () => {
    const path = write("etc/herald.yaml", `${withoutPassword}  password_file: secrets/pw\n`);
    write("etc/secrets/pw", `${SECRET}\n`);
    expect(loadConfig(path, {}, join(dir, "cwd")).config.xmpp.password).toBe(SECRET);
  });

  it("reports an unreadable or empty password_file", () => {
    const unreadable = configError(() => load(`${withoutPassword}  password_file: missing.txt\n`));
    expect(unreadable.problems).toEqual([
      { path: "xmpp.password_file", message: expect.stringMatching(/^cannot read .*missing\.txt \(ENOENT: .*\); expected a readable file/) },
    ]);
    write("empty.txt", "\n");
    const empty = configError(() => load(`${withoutPassword}  password_file: empty.txt\n`));
    expect(empty.problems).toEqual([{ path: "xmpp.password_file", message: expect.stringContaining("is empty") }]);
  });

  it("reports a missing password", () => {
    const error = configError(() => load(withoutPassword));
    expect(error.problems).toEqual([
      { path: "xmpp.password", message: "missing; expected password, password_file or env HERALD_XMPP_PASSWORD" },
    ]);
  });

  it("rejects password and password_file together", () => {
    write("pw", "other");
    const error = configError(() => load(`${MINIMAL}  password_file: pw\n`));
    expect(error.problems).toEqual([{ path: "xmpp.password_file", message: "is set as well as xmpp.password; expected only one of them" }]);
  });

  it("takes HERALD_XMPP_PASSWORD over the file, and ignores it when empty", () => {
    const env = { HERALD_XMPP_PASSWORD: "from-env" };
    expect(load(MINIMAL, env).config.xmpp.password).toBe("from-env");
    // The overridden password_file is not even read.
    expect(load(`${withoutPassword}  password_file: missing.txt\n`, env).config.xmpp.password).toBe("from-env");
    expect(load(withoutPassword, env).config.xmpp.password).toBe("from-env");
    expect(load(MINIMAL, { HERALD_XMPP_PASSWORD: "" }).config.xmpp.password).toBe(SECRET);
  });

  it("never shows a password in an error message", () => {
    const messages = [
      // Inline password next to many other mistakes, including one in the xmpp section.
      configError(() => load(`xmpp:\n  jid: ${SECRET}\n  password: ${SECRET}\n  pasword: ${SECRET}\nrooms: [{ jid: "${SECRET}", password: ${SECRET} }]\n`)),
      // From the environment, with the file otherwise broken.
      configError(() => load(`xmpp:\n  jid: "${SECRET}@example.org/x"\nnick: ""\n`, { HERALD_XMPP_PASSWORD: SECRET })),
      // From a password file.
      configError(() => {
        write("pw", SECRET);
        return load(`xmpp:\n  jid: ${SECRET}\n  password_file: pw\n`);
      }),
      // A YAML syntax error on the password's own line.
      configError(() => load(`xmpp:\n  jid: herald@example.org\n  password: "${SECRET}\n`)),
    ].map((error) => error.message);
    for (const message of messages) {
      expect(message).toMatch(/problems? in/);
      expect(message).not.toContain(SECRET);
    }
    expect(messages[0]).toContain("xmpp.jid: \"[redacted]\" has no \"@\"");
  });
});

describe("resolveConfigPath", () => {
  it("prefers --config, then HERALD_CONFIG, then config/herald.yaml", () => {
    expect(resolveConfigPath("flag.yaml", { HERALD_CONFIG: "env.yaml" })).toBe("flag.yaml");
    expect(resolveConfigPath(undefined, { HERALD_CONFIG: "env.yaml" })).toBe("env.yaml");
    expect(resolveConfigPath(undefined, { HERALD_CONFIG: "" })).toBe("config/herald.yaml");
    expect(resolveConfigPath(undefined, {})).toBe("config/herald.yaml");
  });
});

describe("loadConfig: pubsub nodes", () => {
  const base = `
xmpp:
  jid: herald@example.org
  password: pw
feeds:
  - name: xsf
    url: https://xmpp.org/feeds/all.atom.xml
`;
  it("reads a node with its defaults: open access, no backfill", () => {
    const { config } = load(`${base}pubsub:\n  - service: PubSub.Example.org\n    node: xsf-blog\n    feeds: [xsf]\n`);
    expect(config.pubsub).toEqual([{ service: "pubsub.example.org", node: "xsf-blog", feeds: ["xsf"], accessModel: "open", backfill: 0 }]);
  });
  it("takes a bare JID (PEP), a title, an access model and a backfill", () => {
    const { config } = load(`${base}pubsub:\n  - { service: alice@example.org, node: "urn:xmpp:microblog:0", feeds: [xsf], title: Blog, access: presence, backfill: 5 }\n`);
    expect(config.pubsub[0]).toMatchObject({ service: "alice@example.org", title: "Blog", accessModel: "presence", backfill: 5 });
  });
  it("says what is wrong with a node: service, access, backfill, unknown and repeated feeds, a node twice", () => {
    const { message: error } = configError(() =>
      load(`${base}pubsub:
  - { service: "pubsub.example.org/res", node: blog, feeds: [xfs], access: secret, backfill: 1000 }
  - { service: pubsub.example.org, node: news, feeds: [] }
  - { service: pubsub.example.org, node: news, feeds: [xsf, xsf] }
`),
    );
    expect(error).toContain(`pubsub[0].service: "pubsub.example.org/res" is not a PubSub service`);
    expect(error).toContain("pubsub[0].access");
    expect(error).toContain("pubsub[0].backfill: is too many; expected at most 100 posts");
    expect(error).toContain(`pubsub[0].feeds[0]: unknown feed "xfs" (did you mean "xsf"?)`);
    expect(error).toContain("pubsub[1].feeds: is empty");
    expect(error).toContain(`pubsub[2].node: "news" at pubsub.example.org is also pubsub[1]`);
    expect(error).toContain(`pubsub[2].feeds[1]: feed "xsf" is listed twice`);
  });
});

describe("loadConfig: MIX channels", () => {
  const base = `
xmpp:
  jid: herald@example.org
  password: pw
feeds:
  - name: xsf
    url: https://xmpp.org/feeds/all.atom.xml
`;
  it("reads a channel, lower-cased, with an optional nick", () => {
    const { config } = load(`${base}mix:\n  - { channel: News@Mix.Example.org, feeds: [xsf], nick: Bot }\n`);
    expect(config.mix).toEqual([{ channel: "news@mix.example.org", feeds: ["xsf"], nick: "Bot" }]);
  });
  it("says what is wrong: no bare JID, no feeds, an unknown feed, a channel twice", () => {
    const { message } = configError(() =>
      load(`${base}mix:
  - { channel: mix.example.org, feeds: [] }
  - { channel: news@mix.example.org, feeds: [xfs] }
  - { channel: NEWS@mix.example.org, feeds: [xsf] }
`),
    );
    expect(message).toContain(`mix[0].channel: "mix.example.org" has no "@"`);
    expect(message).toContain("mix[0].feeds: is empty");
    expect(message).toContain(`mix[1].feeds[0]: unknown feed "xfs"`);
    expect(message).toContain(`mix[2].channel: "news@mix.example.org" is also mix[1]`);
  });
});
