// Issue 17, point 6 (and the placeholder warning of point 5): config mistakes are reported where
// they are, in the operator's words. Each case edits one line of the shipped example, as a person
// editing their copy would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/load.js";
import { suggestKey } from "../../../src/config/suggest.js";
import { describeArgsError } from "../../../src/cli-options.js";
import { parseArgs } from "node:util";

const EXAMPLE = readFileSync(join(__dirname, "../../../config/herald.example.yaml"), "utf8").split("\n");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-operator-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The example with line `n` (1-based) replaced; fails if that line is not what the test expects. */
function exampleWithLine(n: number, expected: RegExp, replacement: string): string {
  expect(EXAMPLE[n - 1]).toMatch(expected);
  const lines = [...EXAMPLE];
  lines[n - 1] = replacement;
  return lines.join("\n");
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, text);
  try {
    loadConfig(path, env, dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.path.replace(`${dir}/`, ""), message: p.message }));
    throw err;
  }
  throw new Error("expected a ConfigError");
}

function warnings(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, text);
  return loadConfig(path, env, dir).warnings;
}

describe("YAML syntax errors are reported at the line to fix", () => {
  test("an unclosed double quote on line 33 is reported at 33:7 (the yaml package says 34:1)", () => {
    const found = problems(exampleWithLine(33, /^nick: Herald$/, 'nick: "Herald'));
    expect(found[0]).toEqual({ path: "herald.yaml:33:7", message: expect.stringMatching(/^YAML syntax error: Missing closing "quote/) });
  });

  test("an unclosed single quote is reported where it opens", () => {
    expect(problems(exampleWithLine(33, /^nick: Herald$/, "nick: 'Herald"))[0]!.path).toBe("herald.yaml:33:7");
  });

  test("a bad indent on line 17 is reported at 17:4, not at the blank line 13", () => {
    const found = problems(exampleWithLine(17, /^ {2}password: change-me$/, "   password: change-me"));
    expect(found[0]).toEqual({ path: "herald.yaml:17:4", message: expect.stringMatching(/^YAML syntax error: All mapping items must start at the same column/) });
  });

  test("a bad indent after comment lines is reported at the bad line (line 30)", () => {
    expect(problems(exampleWithLine(30, /^ {2}resource: herald$/, "   resource: herald"))[0]!.path).toBe("herald.yaml:30:4");
  });

  test("an unclosed [ is reported at the bracket", () => {
    expect(problems(exampleWithLine(37, /^admins: \[admin@localhost\]$/, "admins: [admin@localhost"))[0]!.path).toBe("herald.yaml:37:9");
  });

  test("an error the parser already places well keeps its place", () => {
    expect(problems(exampleWithLine(33, /^nick: Herald$/, 'nick: "Herald" x'))[0]!.path).toBe("herald.yaml:33:16");
  });
});

describe("a key that means a known key gets a suggestion", () => {
  test.each([
    ["nickname", "nick"],
    ["nick_name", "nick"],
    ["database", "store"],
    ["channels", "rooms"],
  ])("top level %s → %s", (key, meant) => {
    const text = EXAMPLE.join("\n").replace(/^nick: Herald$/m, `${key}: Herald`);
    expect(problems(text)).toContainEqual({ path: "(top level)", message: expect.stringContaining(`unknown key "${key}" (did you mean "${meant}"?)`) });
  });

  test("in the xmpp section, server → service", () => {
    const text = EXAMPLE.join("\n").replace("  service: xmpp://127.0.0.1:5222", "  server: xmpp://127.0.0.1:5222");
    expect(problems(text)).toContainEqual({ path: "xmpp", message: expect.stringContaining('unknown key "server" (did you mean "service"?)') });
  });

  test("a synonym is only offered where its key is allowed, and typos still win", () => {
    expect(suggestKey("nickname", ["jid", "feeds"])).toBeUndefined();
    expect(suggestKey("intreval", ["name", "url", "interval"])).toBe("interval");
    expect(suggestKey("link", ["name", "url", "path", "interval", "link"])).toBe("link");
    expect(suggestKey("frobnicate", ["nick", "store"])).toBeUndefined();
  });
});

describe("an unknown command-line option suggests the right one", () => {
  const options = { config: { type: "string", short: "c" }, interval: { type: "string" }, version: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;
  const messageFor = (args: string[]) => {
    try {
      parseArgs({ args, options, allowPositionals: true });
    } catch (err) {
      return describeArgsError(err, options);
    }
    throw new Error("expected parseArgs to refuse");
  };

  test("--confg → --config", () => expect(messageFor(["run", "--confg", "x.yaml"])).toBe("unknown option --confg (did you mean --config?)"));
  test("--intervall=5m → --interval", () => expect(messageFor(["--intervall=5m"])).toBe("unknown option --intervall (did you mean --interval?)"));
  test("nothing close: lists the options", () =>
    expect(messageFor(["--colour"])).toBe("unknown option --colour; the options are --config, --interval, --version, --help"));
});

describe("check-config warns about the examples' placeholder password", () => {
  test("the example as shipped: password change-me", () => {
    expect(warnings(EXAMPLE.join("\n"))).toContainEqual(expect.stringMatching(/^xmpp\.password: still the examples' placeholder "change-me"; set the bot account's real password/));
  });

  test("from the environment, as docker-compose.yml passes it", () => {
    expect(warnings(EXAMPLE.join("\n"), { HERALD_XMPP_PASSWORD: "change-me" })).toContainEqual(expect.stringMatching(/^HERALD_XMPP_PASSWORD: still the examples' placeholder/));
  });

  test("a real password: no warning", () => {
    expect(warnings(EXAMPLE.join("\n").replace("password: change-me", "password: 9f2c-real-one")).join("\n")).not.toContain("placeholder");
  });
});
