// Issue 17, point 2: the compose example works. Prosody runs with exactly
// config/examples/prosody.cfg.lua and Herald with exactly config/examples/herald.docker.yaml and the
// environment docker-compose.yml gives it; only what cannot be the same on a test machine is
// substituted (listed in `prosodyOnThisMachine` and `heraldOnThisMachine`). The accounts are made
// with the command the compose file's header tells the operator to run. A second client, the
// config's admin, owns the room and sees the announcement.
//
// Always Prosody (the example is a Prosody config), whatever HERALD_TEST_SERVER says.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse, parseDocument } from "yaml";
import { PROSODY_NOT_FOUND } from "./harness/prosody.js";
import { findOnPath, freePorts } from "./harness/xmpp-server.js";
import { serverProcess } from "./harness/server-process.js";
import { connectMember, type Member } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess } from "./harness/bot.js";

const run = promisify(execFile);
const EXAMPLES = resolve(__dirname, "../../config/examples");
const read = (name: string) => readFileSync(join(EXAMPLES, name), "utf8");

/** Replaces `pattern` once in `text`; fails loudly when the example no longer has that line. */
function substitute(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`the example no longer matches ${pattern}; update this test with it`);
  return text.replace(pattern, replacement);
}

/** The example Prosody config, with this machine's paths and port. Nothing else changes. */
function prosodyOnThisMachine(text: string, dir: string, port: number): string {
  const str = (value: string) => JSON.stringify(value);
  let out = substitute(text, /^pidfile = .*$/m, `pidfile = ${str(join(dir, "prosody.pid"))}`);
  // Global settings must come before the first VirtualHost line (after it they belong to the host).
  out = substitute(
    out,
    /^VirtualHost /m,
    [
      "-- Substituted by compose-example.test.ts for a test machine:",
      `data_path = ${str(join(dir, "data"))} -- the container's volume`,
      `c2s_ports = { ${port} } -- a free port instead of 5222`,
      `interfaces = { "127.0.0.1" }`,
      `run_as_root = true -- tests run as root; the container does not`,
      "",
      "VirtualHost ",
    ].join("\n"),
  );
  return out;
}

let dir: string;
let feeds: FeedServer;
let prosody: ReturnType<typeof serverProcess> | undefined;
let admin: Member | undefined;
let bot: BotProcess | undefined;

afterAll(async () => {
  await bot?.kill();
  await admin?.stop();
  await prosody?.stop();
  await feeds?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("Prosody with prosody.cfg.lua and Herald with herald.docker.yaml: Herald joins, /healthz is ok, a new post is announced", async () => {
  const prosodyBin = await findOnPath("prosody");
  const prosodyctl = await findOnPath("prosodyctl");
  if (!prosodyBin || !prosodyctl) throw new Error(PROSODY_NOT_FOUND);
  dir = mkdtempSync(join(tmpdir(), "herald-compose-"));
  mkdirSync(join(dir, "data"));
  const [xmppPort, httpPort] = await freePorts(2);

  // --- Prosody, as the compose file's prosody service runs it.
  const prosodyConfig = join(dir, "prosody.cfg.lua");
  writeFileSync(prosodyConfig, prosodyOnThisMachine(read("prosody.cfg.lua"), dir, xmppPort!));
  prosody = serverProcess({
    name: "Prosody",
    spawn: () => spawn(prosodyBin, ["--config", prosodyConfig, "-F"], { stdio: ["ignore", "pipe", "pipe"] }),
    ready: (alive) => waitForPort(xmppPort!, alive),
    stopGraceMs: 5000,
    diagnostics: () => prosody?.output() ?? "",
  });
  await prosody.start();

  // --- The accounts: the register line from docker-compose.yml's header, and the config's admin.
  const compose = read("docker-compose.yml");
  const registerLine = /prosodyctl register (\S+) (\S+) '([^']+)'/.exec(compose);
  if (registerLine === null) throw new Error("docker-compose.yml no longer says how to register Herald's account");
  const [, user, host, password] = registerLine;
  await run(prosodyctl, ["--config", prosodyConfig, "register", user!, host!, password!]);
  const heraldYaml = parse(read("herald.docker.yaml")) as { xmpp: { jid: string }; admins: string[]; rooms: { jid: string }[]; feeds: { name: string }[] };
  expect(`${user}@${host}`).toBe(heraldYaml.xmpp.jid);
  const [adminUser, adminHost] = heraldYaml.admins[0]!.split("@");
  await run(prosodyctl, ["--config", prosodyConfig, "register", adminUser!, adminHost!, "admin-pw"]);

  // --- The room's owner: the admin creates the room first (as the README tells an operator to).
  const room = heraldYaml.rooms[0]!.jid;
  const service = `xmpp://127.0.0.1:${xmppPort}`;
  admin = await connectMember({ server: { service, domain: adminHost! }, username: adminUser!, password: "admin-pw" });
  await admin.joinRoom(room, "admin");

  // --- Herald: herald.docker.yaml with only the service, the store, the HTTP port and the feed's
  // address changed (the feed is on the internet; the test's is on loopback).
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/all.atom.xml", "atom", [makePost("Already there")]);
  const doc = parseDocument(read("herald.docker.yaml"));
  expect(doc.getIn(["xmpp", "service"])).toBe("xmpp://prosody:5222");
  doc.setIn(["xmpp", "service"], service);
  expect(doc.get("store")).toBe("/data/herald.db");
  doc.set("store", join(dir, "herald.db"));
  expect(doc.getIn(["http", "listen"])).toBe("0.0.0.0:9464");
  doc.setIn(["http", "listen"], `0.0.0.0:${httpPort}`); // 9464 may be taken on a shared machine
  doc.setIn(["feeds", 0, "url"], feeds.url("/all.atom.xml"));
  const heraldConfig = join(dir, "herald.yaml");
  writeFileSync(heraldConfig, doc.toString());

  // The environment docker-compose.yml sets, with HERALD_CONFIG pointing at the mounted file.
  const composeEnv = (parse(compose) as { services: { herald: { environment: Record<string, string> } } }).services.herald.environment;
  expect(composeEnv.HERALD_CONFIG).toBe("/config/herald.yaml");
  bot = new BotProcess(["run"], { ...composeEnv, HERALD_CONFIG: heraldConfig, LOG_FORMAT: "json" });

  await bot.waitForMsg("joined room", { room });
  await bot.waitForMsg("polled", { feed: heraldYaml.feeds[0]!.name, result: "baseline" });
  // The container's HEALTHCHECK asks this address.
  const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  expect(health.status).toBe(200);
  // The example's interval is 30m: the admin asks for a poll now.
  feeds.publish("/all.atom.xml", makePost("Compose stack works"));
  await admin.sendChat(heraldYaml.xmpp.jid, `feed poll ${heraldYaml.feeds[0]!.name}`);
  const announced = await admin.waitForMessage((m) => m.type === "groupchat" && m.from === `${room}/Herald` && m.body.includes("Compose stack works"));
  expect(announced.body).toContain("https://blog.example.org/compose-stack-works/");
  // Online at the first attempt: no TLS failure on the way (the old example looped on one).
  expect(bot.count("connection error") + bot.count("cannot reach the XMPP server; retrying")).toBe(0);
  expect(await bot.stop()).toBe(0);
});

async function waitForPort(port: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("Prosody exited during startup");
    const open = await new Promise<boolean>((done) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        done(true);
      });
      socket.once("error", () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("Prosody did not listen within 10 s");
}
