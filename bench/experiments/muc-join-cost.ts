// Experiment (issue 16): what does Prosody spend per MUC join? A bare xmpp.js client (one join
// presence per room, nothing else) joins N persistent rooms the way the bot does on a plain restart:
// the rooms exist (created and configured in a first session), the client logs in again and sends
// every join at once. Prints wall time and Prosody CPU per join, and the stanzas on the wire.
//
// Prosody is started here with the bench harness's exact configuration (test/integration/harness/
// prosody.ts, written out by that module) plus optional extra lines for the MUC component, so one
// setting at a time can be compared against the harness as it is.
//
//   node build/bench/experiments/muc-join-cost.js --rooms 1000 [--muc 'muc_room_cache_size = 2000']
//        [--strace] [--rounds 3] [--restart]
//
// Finding (issue 16, Prosody 0.12.3): the cost is Prosody's live-room cache, not the joins. mod_muc
// keeps muc_room_cache_size rooms in memory (default 100); with more rooms every join restores its
// room from disk and evicts another, and an eviction saves that room with the "persistent" map,
// which internal (file) storage emulates by reading and rewriting the whole list of rooms
// (storagemanager's map shim): per join the cost grows with the number of rooms. strace: 7 openat,
// 4 rename, 5 write, 16 read per join at the default; none with the cache above the room count.
// Stanza counts in --restart mode include the previous session's leaves flushed late: read the
// default mode's counts for the wire cost of a join.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client, xml, type Client, type Element } from "@xmpp/client";
import { readCpu } from "../proc.js";
import { startProsody } from "../../test/integration/harness/prosody.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const ROOMS = Number(opt("rooms", "1000"));
const ROUNDS = Number(opt("rounds", "3"));
const EXTRA_MUC = args.flatMap((a, i) => (a === "--muc" ? [args[i + 1]!] : []));
const STRACE = args.includes("--strace");
/**
 * --restart: each round's previous session sends its leaves and closes at once without waiting for
 * the room's answers, as the bot's stop does (room-manager leaveAll, then a stream close bounded by
 * xmpp.js's 2 s timeout), and the next session logs in right away: its joins queue behind the leaves.
 */
const RESTART = args.includes("--restart");

const NS_MUC = "http://jabber.org/protocol/muc";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The harness's config, taken from a harness-started Prosody, with extra lines for the MUC component. */
async function prosodyWithExtras(): Promise<{ pid: number; port: number; proc: ChildProcess; dir: string }> {
  const harness = await startProsody({ users: { joiner: "pw" } });
  const cfg = readFileSync(join(harness.dir, "prosody.cfg.lua"), "utf8");
  await harness.stop();
  const dir = mkdtempSync(join(tmpdir(), "muc-join-"));
  const port = await freePort();
  let text = cfg
    .replace(/data_path = "[^"]*"/, `data_path = ${JSON.stringify(join(dir, "data"))}`)
    .replace(/pidfile = "[^"]*"/, `pidfile = ${JSON.stringify(join(dir, "prosody.pid"))}`)
    .replace(/log = \{[^}]*\}/, `log = { info = ${JSON.stringify(join(dir, "prosody.log"))} }`)
    .replace(/c2s_ports = \{[^}]*\}/, `c2s_ports = { ${port} }`);
  text = text.replace(/(Component "conference\.localhost" "muc"\n)/, `$1${EXTRA_MUC.map((l) => `  ${l}\n`).join("")}`);
  spawnSync("mkdir", ["-p", join(dir, "data")]);
  const file = join(dir, "prosody.cfg.lua");
  writeFileSync(file, text);
  const reg = spawnSync("prosodyctl", ["--config", file, "register", "joiner", "localhost", "pw"]);
  if (reg.status !== 0) throw new Error(`register: ${reg.stderr}`);
  const proc = spawn("prosody", ["--config", file, "-F"], { stdio: "ignore" });
  // A run that fails or times out must not leave its Prosody behind.
  process.once("exit", () => proc.kill("SIGKILL"));
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const up = await new Promise<boolean>((r) => {
      const sock = connect(port, "127.0.0.1", () => (sock.destroy(), r(true)));
      sock.on("error", () => r(false));
    });
    if (up) break;
  }
  return { pid: proc.pid!, port, proc, dir };
}

let wireIn = 0;
let wireOut = 0;
async function login(port: number): Promise<Client> {
  const c = client({ service: `xmpp://127.0.0.1:${port}`, domain: "localhost", username: "joiner", password: "pw", resource: `r${Math.random()}` });
  c.on("error", () => {});
  (c as unknown as { timeout: number }).timeout = 60_000; // Prosody may be busy with an earlier session's leaves
  c.on("element", () => void wireIn++);
  c.on("send", () => void wireOut++);
  await c.start();
  return c;
}

/** stop() can wait forever on a stream close Prosody already answered: bound it. */
async function stopClient(c: Client): Promise<void> {
  await Promise.race([c.stop().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  (c as unknown as { socket?: { destroy?: () => void } }).socket?.destroy?.();
}

/** Leaves every room and waits for the room's answer to each, so Prosody is idle afterwards. */
function leaveAll(c: Client, rooms: string[]): Promise<void> {
  return new Promise((resolve) => {
    const left = new Set(rooms);
    c.on("stanza", (s: Element) => {
      if (s.name !== "presence" || s.attrs.type !== "unavailable") return;
      if (left.delete(String(s.attrs.from).split("/")[0]!) && left.size === 0) resolve();
    });
    for (const room of rooms) void c.send(xml("presence", { to: `${room}/Herald`, type: "unavailable" }));
  });
}

/** Sends every join at once; resolves with the time when the last self-presence came. */
function joinAll(c: Client, rooms: string[], onSelf?: (room: string, stanza: Element) => void): Promise<number> {
  return new Promise((resolve) => {
    const left = new Set(rooms);
    c.on("stanza", (s: Element) => {
      if (s.name !== "presence") return;
      const x = s.getChild("x", NS_MUC_USER);
      if (!x?.getChildren("status").some((st) => st.attrs.code === "110")) return;
      const room = String(s.attrs.from).split("/")[0]!;
      if (!left.delete(room)) return;
      onSelf?.(room, s);
      if (left.size === 0) resolve(performance.now());
    });
    for (const room of rooms) void c.send(xml("presence", { to: `${room}/Herald` }, xml("x", { xmlns: NS_MUC }, xml("history", { maxchars: "0" }))));
  });
}

async function main(): Promise<void> {
  const p = await prosodyWithExtras();
  console.log(`Prosody pid ${p.pid}, extra MUC lines: ${EXTRA_MUC.length ? EXTRA_MUC.join("; ") : "(none: the harness config)"}; ${ROOMS} rooms`);
  const rooms = Array.from({ length: ROOMS }, (_, i) => `exp-${i}@conference.localhost`);
  // First session: create every room and accept the default config (the bot's instant-room form).
  {
    const c = await login(p.port);
    let n = 0;
    await joinAll(c, rooms, (room, s) => {
      if (s.getChild("x", NS_MUC_USER)!.getChildren("status").some((st) => st.attrs.code === "201"))
        void c.send(xml("iq", { to: room, type: "set", id: `cfg${n++}` }, xml("query", { xmlns: "http://jabber.org/protocol/muc#owner" }, xml("x", { xmlns: "jabber:x:data", type: "submit" }))));
    });
    await new Promise((r) => setTimeout(r, 1000));
    // The bot leaves every room when it stops (room-manager leaveAll).
    const l0 = performance.now();
    const lc0 = readCpu(p.pid).ms;
    await leaveAll(c, rooms);
    console.log(`  leaving ${ROOMS} rooms: ${(performance.now() - l0).toFixed(0)} ms, Prosody CPU ${(readCpu(p.pid).ms - lc0).toFixed(0)} ms`);
    await stopClient(c);
    console.log(`created ${ROOMS} rooms (${n} configured)`);
  }
  let previous: Client | undefined;
  if (RESTART) {
    previous = await login(p.port);
    await joinAll(previous, rooms);
  }
  const perJoin: number[] = [];
  const walls: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    wireIn = 0;
    wireOut = 0;
    if (previous) {
      // The old session's leaves and close come first; the clock starts when the new session dials.
      for (const room of rooms) void previous.send(xml("presence", { to: `${room}/Herald`, type: "unavailable" }));
      await stopClient(previous);
      wireIn = 0;
      wireOut = 0;
    }
    const cpuLogin = readCpu(p.pid).ms;
    const tLogin = performance.now();
    const c = await login(p.port);
    const inLogin = wireIn;
    const outLogin = wireOut;
    let strace: ChildProcess | undefined;
    const straceFile = join(p.dir, `strace-${round}.txt`);
    if (STRACE) {
      strace = spawn("strace", ["-c", "-f", "-p", String(p.pid), "-o", straceFile], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 500));
    }
    const cpu0 = RESTART ? cpuLogin : readCpu(p.pid).ms;
    const t0 = RESTART ? tLogin : performance.now();
    const t1 = await joinAll(c, rooms);
    const cpu1 = readCpu(p.pid).ms;
    if (strace) {
      strace.kill("SIGINT");
      await new Promise((r) => strace!.once("exit", r));
    }
    const inJoin = wireIn - inLogin;
    const outJoin = wireOut - outLogin;
    walls.push(t1 - t0);
    perJoin.push((cpu1 - cpu0) / ROOMS);
    console.log(`round ${round + 1}: ${ROOMS} joins in ${(t1 - t0).toFixed(0)} ms; Prosody CPU ${(cpu1 - cpu0).toFixed(0)} ms = ${((cpu1 - cpu0) / ROOMS).toFixed(2)} ms/join; stanzas out ${outJoin}, in ${inJoin} (login: out ${outLogin}, in ${inLogin})`);
    if (strace) {
      const lines = readFileSync(straceFile, "utf8").split("\n").slice(0, 14);
      console.log(lines.join("\n"));
    }
    if (RESTART) {
      previous = c;
      continue;
    }
    const l0 = performance.now();
    const lc0 = readCpu(p.pid).ms;
    await leaveAll(c, rooms);
    console.log(`  leaving ${ROOMS} rooms: ${(performance.now() - l0).toFixed(0)} ms, Prosody CPU ${(readCpu(p.pid).ms - lc0).toFixed(0)} ms`);
    await stopClient(c);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  console.log(`median: ${med(walls).toFixed(0)} ms wall, ${med(perJoin).toFixed(2)} ms Prosody CPU per join`);
  p.proc.kill("SIGTERM");
  await new Promise((r) => p.proc.once("exit", r));
  process.exit(0);
}

// xmpp.js reads data still arriving after stop() with a parser it already dropped; harmless here.
process.on("uncaughtException", (err) => {
  if (String(err).includes("reading 'write'")) return;
  console.error(err);
  process.exit(1);
});
void main();
