// A real ejabberd (Debian's 23.01 package) on loopback for integration tests: the same promises as
// prosody.ts (own temp dir, own free ports, foreground process, nothing shared with a system install).
//
// How it runs: `ejabberdctl foreground` is `erl -sname NODE -mnesia dir SPOOL -s ejabberd` plus two things
// that get in the way here: as root it re-runs itself through `su ejabberd` (which cannot enter our 0700
// temp dir), and it relies on epmd, a daemon that outlives the test run. So we start that same `erl`
// command ourselves, as the current user, and use the Erlang distribution without epmd
// (`-erl_epmd_port PORT -start_epmd false`, what ejabberdctl does when ERL_DIST_PORT is set):
// the node listens for its control connections on one more free loopback port. Accounts are made the
// way `ejabberdctl register` makes them, by a short-lived hidden node that calls ejabberd_ctl
// (~0.2 s each; the server must be running). The cookie is a random file in the temp dir ($HOME).
// A system ejabberd that the Debian package may have started uses ports 5222/5269/5280 and epmd,
// none of which we touch, so it can stay.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { serverProcess } from "./server-process.js";
import {
  findOnPath,
  freePorts,
  generateCertificates,
  tail,
  type TlsFiles,
  type XmppServer,
  type XmppServerOptions,
} from "./xmpp-server.js";

const run = promisify(execFile);

export const EJABBERD_NOT_FOUND = "ejabberd not found. Install it with: apt-get install -y ejabberd";

// The Erlang VM loads ejabberd and starts accepting in ~1 s here; leave room for a loaded machine.
const START_TIMEOUT_MS = 30_000;
// A clean shutdown (SIGTERM → init:stop, which closes every session with <system-shutdown/>) takes ~1 s.
const STOP_GRACE_MS = 10_000;


export async function startEjabberd(options: XmppServerOptions = {}): Promise<XmppServer> {
  const erl = await findOnPath("erl");
  const ejabberdctl = await findOnPath("ejabberdctl");
  if (!erl || !ejabberdctl) throw new Error(EJABBERD_NOT_FOUND);
  const erlLibs = await ejabberdLibs(ejabberdctl);

  const dir = await mkdtemp(path.join(os.tmpdir(), "herald-ejabberd-"));
  const configFile = path.join(dir, "ejabberd.yml");
  const logFile = path.join(dir, "ejabberd.log"); // ejabberd also writes error.log beside it
  const spool = path.join(dir, "spool");
  // One node name per server, kept across restarts: Mnesia ties its data (users, rooms) to it.
  const node = `herald_${randomBytes(4).toString("hex")}@localhost`;

  const [port, distPort, tlsPort] = await freePorts(options.tls ? 3 : 2);
  let tlsFiles: TlsFiles | undefined;
  try {
    tlsFiles = options.tls ? await generateCertificates(path.join(dir, "tls")) : undefined;
    await mkdir(spool);
    await writeFile(path.join(dir, ".erlang.cookie"), randomBytes(16).toString("hex"), { mode: 0o400 });
    await writeFile(
      configFile,
      ejabberdConfig({
        port: port!,
        tlsPort,
        tlsFiles,
        persistentRooms: options.persistentRooms ?? true,
        logLevel: options.logLevel ?? "info",
      }),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const env = {
    ...process.env,
    HOME: dir, // the cookie file; also keeps ~/.ejabberd-modules private
    ERL_LIBS: erlLibs,
    EJABBERD_CONFIG_PATH: configFile,
    EJABBERD_LOG_PATH: logFile,
    ERL_CRASH_DUMP: path.join(dir, "erl_crash.dump"),
    ERL_CRASH_DUMP_BYTES: "0",
  };
  // Distribution on a fixed loopback port instead of epmd (see the top of this file).
  const dist = ["-erl_epmd_port", String(distPort), "-start_epmd", "false"];

  function log(): string {
    const file = existsSync(logFile) ? readFileSync(logFile, "utf8") : "(no log file)";
    return `--- ${logFile} (tail) ---\n${tail(file, 40)}\n--- ejabberd console ---\n${tail(serverProc.output(), 20)}`;
  }

  const serverProc = serverProcess({
    name: "ejabberd",
    spawn: () =>
      spawn(
      erl!,
      ["-sname", node, ...dist, "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
        "-noinput", "-mnesia", "dir", JSON.stringify(spool), "-s", "ejabberd"],
      { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
    ),
    ready: (alive) => waitForStream(port!, alive),
    stopGraceMs: STOP_GRACE_MS,
    diagnostics: () => log(),
  });
  const start = serverProc.start;
  const stop = serverProc.stop;

  /** `ejabberdctl register` without ejabberdctl: a hidden node that does not listen itself. */
  async function register(username: string, password: string): Promise<void> {
    if (!serverProc.running) throw new Error(`ejabberd must be running to register ${username}`);
    const ctlNode = `herald_ctl_${randomBytes(4).toString("hex")}@localhost`;
    const args = ["-sname", ctlNode, ...dist, "-dist_listen", "false", "-hidden", "-noinput",
      "-s", "ejabberd_ctl", "-extra", node, "register", username, "localhost", password];
    try {
      await run(erl!, args, { cwd: dir, env });
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      throw new Error(`ejabberdctl register ${username} failed: ${String(error)}\n${stdout}${stderr}\n${log()}`);
    }
  }

  const server: XmppServer = {
    domain: "localhost",
    mucDomain: "conference.localhost",
    host: "127.0.0.1",
    port: port!,
    ...(tlsFiles && { tlsPort, caFile: tlsFiles.caFile }),
    dir,
    service: `xmpp://127.0.0.1:${port}`,
    register,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    cleanup: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log,
  };

  try {
    await start();
    await Promise.all(Object.entries(options.users ?? {}).map(([username, password]) => register(username, password)));
  } catch (error) {
    await server.cleanup();
    throw error;
  }
  return server;
}

/**
 * Resolves once ejabberd answers a stream header with its features. An open port is not enough:
 * ejabberd binds its listeners early but accepts only once every module has started, so a client
 * (or `register`) that came in between would meet missing tables ("no_exists passwd").
 */
async function waitForStream(port: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = "no attempt";
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("ejabberd exited during startup");
    try {
      await streamFeatures(port, Math.min(2_000, deadline - Date.now()));
      return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${START_TIMEOUT_MS} ms (${last})`);
}

function streamFeatures(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let received = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("no <stream:features/> yet")));
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("closed before <stream:features/>")));
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (!received.includes("<stream:features")) return;
      socket.destroy();
      resolve();
    });
    socket.write(
      "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' " +
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    );
  });
}

/** Where ejabberd's Erlang applications live: Debian's ejabberdctl sets ERL_LIBS to the multiarch lib dir. */
async function ejabberdLibs(ejabberdctl: string): Promise<string> {
  const script = await readFile(ejabberdctl, "utf8").catch(() => "");
  const match = /^ERL_LIBS=['"]?([^'"\n]+)['"]?$/m.exec(script);
  if (!match?.[1]) throw new Error(`${ejabberdctl} does not set ERL_LIBS; is it Debian's ejabberd package?`);
  return match[1];
}

interface ConfigInput {
  port: number;
  tlsPort: number | undefined;
  tlsFiles: TlsFiles | undefined;
  persistentRooms: boolean;
  logLevel: string;
}

function ejabberdConfig({ port, tlsPort, tlsFiles, persistentRooms, logLevel }: ConfigInput): string {
  const c2s = { ip: "127.0.0.1", module: "ejabberd_c2s", max_stanza_size: 262144 };
  const config = {
    loglevel: logLevel,
    log_rotate_count: 0,
    hosts: ["localhost"],
    // No ACME: it would try to fetch certificates from the internet.
    acme: { auto: false },
    // The CA too, or ejabberd warns that the certificate is "signed by unknown CA".
    ...(tlsFiles && { certfiles: [tlsFiles.certFile, tlsFiles.keyFile, tlsFiles.caFile] }),
    listen: [
      // With a certificate, refuse unencrypted logins (like prosody.ts): a client that logs in has proven
      // it did TLS. Without one, no STARTTLS is offered at all.
      { port, ...c2s, ...(tlsFiles && { starttls: true, starttls_required: true }) },
      // XEP-0368 direct TLS.
      ...(tlsFiles ? [{ port: tlsPort, ...c2s, tls: true }] : []),
    ],
    // No s2s or HTTP listener; and no outgoing s2s either.
    s2s_access: "none",
    auth_method: "internal",
    // Stored as SCRAM-SHA-1 hashes like Prosody's internal_hashed. ejabberd offers PLAIN on an
    // unencrypted stream by default; the test member logs in with it for speed.
    auth_password_format: "scram",
    disable_sasl_mechanisms: ["X-OAUTH2"], // offered by default; Prosody offers PLAIN and SCRAM-SHA-1 only
    modules: {
      mod_carboncopy: {},
      mod_disco: {},
      // XEP-0045 §10.1: ejabberd creates a room on first join and sends status 201 like Prosody, but
      // 23.01 has no room locking (Prosody's muc_room_locking): others may enter before the creator
      // submits the configuration form. Room history is kept in memory only (no mod_mam), so it is
      // gone after restart(), where Prosody keeps a persistent room's history.
      mod_muc: {
        hosts: ["conference.localhost"],
        access: "all",
        access_create: "all",
        access_persistent: "all",
        access_admin: "none",
        default_room_options: { persistent: persistentRooms, mam: false },
      },
      mod_offline: {},
      mod_ping: {},
      mod_roster: {},
      mod_stream_mgmt: {},
      mod_version: {},
    },
  };
  return `# Written by test/integration/harness/ejabberd.ts\n${stringify(config)}`;
}
