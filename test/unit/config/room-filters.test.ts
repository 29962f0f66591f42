// A room's include/exclude filter terms in the config file (issue 13).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../../src/config/load.js";

const EXAMPLE = join(__dirname, "../../../config/herald.example.yaml");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-filters-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(text: string) {
  const path = join(dir, "herald.yaml");
  writeFileSync(path, text);
  return loadConfig(path, {}, dir);
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

const FILE = (room: string) => `
xmpp: { jid: herald@example.org, password: pw }
feeds: [{ name: xsf, url: "https://xmpp.org/feed" }]
rooms:
  - jid: news@conference.example.org
    feeds: [xsf]
${room}
`;

describe("room filters in the config file", () => {
  it("carries the terms as written into the room's config", () => {
    const { config } = load(FILE(`    include: ["omemo", "/^Release \\\\d+/"]\n    exclude: [draft]`));
    expect(config.rooms[0]).toEqual({
      jid: "news@conference.example.org",
      feeds: ["xsf"],
      include: ["omemo", "/^Release \\d+/"],
      exclude: ["draft"],
    });
  });

  it("leaves them out when the file does", () => {
    const { config } = load(FILE(""));
    expect(config.rooms[0]).toEqual({ jid: "news@conference.example.org", feeds: ["xsf"] });
  });

  it("names every bad term with its key path, all at once", () => {
    const error = configError(() =>
      load(FILE(`    include: ["omemo", "/(a+)+/"]\n    exclude: ["/draft/g", "", "/(unclosed/", 42]`)),
    );
    expect(error.problems).toEqual([
      {
        path: "rooms[0].include[1]",
        message: "“/(a+)+/” is refused: a quantified group contains another quantifier (catastrophic backtracking); rewrite it without nesting",
      },
      { path: "rooms[0].exclude[0]", message: "“/draft/g” has the flag “g”, which a filter does not take; expected only i, m, s or u after the closing /" },
      { path: "rooms[0].exclude[1]", message: "an empty term matches nothing; expected a word, a phrase or a /regular expression/" },
      {
        path: "rooms[0].exclude[2]",
        message: "“/(unclosed/” is not a valid regular expression (Unterminated group); expected JavaScript regular expression syntax",
      },
      { path: "rooms[0].exclude[3]", message: "is a number; expected text (put it in quotes)" },
    ]);
    expect(error.message).toContain("rooms[0].include[1]: “/(a+)+/” is refused: ");
  });

  it("rejects a single term where a list belongs", () => {
    const error = configError(() => load(FILE("    include: omemo")));
    expect(error.problems).toEqual([{ path: "rooms[0].include", message: "is text; expected a list" }]);
  });

  it("loads the example's filter lines once uncommented", () => {
    const example = readFileSync(EXAMPLE, "utf8");
    const uncommented = example.replace(/^(\s*)# ((?:include|exclude): )/gm, "$1$2");
    expect(uncommented).not.toBe(example);
    const { config } = load(uncommented);
    expect(config.rooms[0]).toMatchObject({ include: ["omemo", "/^Release \\d+/"], exclude: ["draft"] });
  });
});
