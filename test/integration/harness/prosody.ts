// A real Prosody on loopback for integration tests: own temp dir, own free ports, foreground process.
// Every Jest worker may run several of these at once, so nothing is shared with the system install.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
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

export const PROSODY_NOT_FOUND = "Prosody not found. Install it with: apt-get install -y prosody";

const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export type ProsodyOptions = XmppServerOptions;
export type ProsodyServer = XmppServer;

export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyServer> {
  const prosody = await findOnPath("prosody");
  const prosodyctl = await findOnPath("prosodyctl");
  if (!prosody || !prosodyctl) throw new Error(PROSODY_NOT_FOUND);

  const dir = await mkdtemp(path.join(os.tmpdir(), "herald-prosody-"));
  const configFile = path.join(dir, "prosody.cfg.lua");
  const logFile = path.join(dir, "prosody.log");

  const [port, tlsPort] = await freePorts(options.tls ? 2 : 1);
  let tlsFiles: TlsFiles | undefined;
  try {
    tlsFiles = options.tls ? await generateCertificates(path.join(dir, "tls")) : undefined;
    await mkdir(path.join(dir, "data"));
    await mkdir(path.join(dir, "certs")); // empty: keeps Debian's snakeoil localhost cert out
    await writeFile(
      configFile,
      prosodyConfig({
        dir,
        logFile,
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

  function log(): string {
    const file = existsSync(logFile) ? readFileSync(logFile, "utf8") : "(no log file)";
    return `--- ${logFile} (tail) ---\n${tail(file, 40)}\n--- prosody console ---\n${tail(serverProc.output(), 20)}`;
  }

  const serverProc = serverProcess({
    name: "Prosody",
    spawn: () =>
      spawn(prosody!, ["--config", configFile, "-F"], { stdio: ["ignore", "pipe", "pipe"] }),
    ready: (alive) => waitForPort(port!, alive),
    stopGraceMs: STOP_GRACE_MS,
    diagnostics: () => log(),
  });
  const start = serverProc.start;
  const stop = serverProc.stop;

  async function register(username: string, password: string): Promise<void> {
    try {
      await run(prosodyctl!, ["--config", configFile, "register", username, "localhost", password]);
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      throw new Error(`prosodyctl register ${username} failed: ${String(error)}\n${stdout}${stderr}`);
    }
  }

  const server: ProsodyServer = {
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
    for (const [username, password] of Object.entries(options.users ?? {})) await register(username, password);
    await start();
  } catch (error) {
    await server.cleanup();
    throw error;
  }
  return server;
}

interface ConfigInput {
  dir: string;
  logFile: string;
  port: number;
  tlsPort: number | undefined;
  tlsFiles: TlsFiles | undefined;
  persistentRooms: boolean;
  logLevel: string;
}

function prosodyConfig({ dir, logFile, port, tlsPort, tlsFiles, persistentRooms, logLevel }: ConfigInput): string {
  const str = (value: string) => JSON.stringify(value); // a valid Lua string literal for paths
  const tls = tlsFiles
    ? [
        `c2s_direct_tls_ports = { ${tlsPort} }`,
        `ssl = { certificate = ${str(tlsFiles.certFile)}; key = ${str(tlsFiles.keyFile)} }`,
      ]
    : [];
  return [
    `pidfile = ${str(path.join(dir, "prosody.pid"))}`,
    `data_path = ${str(path.join(dir, "data"))}`,
    `log = { ${logLevel} = ${str(logFile)} }`,
    `run_as_root = true -- tests run as root; without it Prosody never listens`,
    `interfaces = { "127.0.0.1" }`,
    `local_interfaces = { "127.0.0.1" }`,
    `c2s_ports = { ${port} }`,
    `s2s_ports = { }`,
    `http_ports = { }`,
    `https_ports = { }`,
    `c2s_close_timeout = 1 -- shutdown waits this long (+1 s) for clients to close their streams`,
    `certificates = ${str(path.join(dir, "certs"))}`,
    ...tls,
    // With a certificate, refuse unencrypted logins: a client that logs in has proven it did TLS.
    `c2s_require_encryption = ${tlsFiles ? "true" : "false"}`,
    `allow_unencrypted_plain_auth = true -- tests log in with PLAIN for speed`,
    `authentication = "internal_hashed"`,
    `storage = "internal"`,
    // Prosody 0.12's mod_tls advertises STARTTLS even with no certificate at all (the handshake then
    // fails with alert 40), and xmpp.js always takes it: load mod_tls only when we have a certificate.
    `modules_enabled = { "roster", "saslauth", ${tlsFiles ? `"tls", ` : ""}"disco", "ping", "smacks", "version", "carbons" }`,
    `modules_disabled = { "s2s" }`,
    ``,
    `VirtualHost "localhost"`,
    ``,
    `-- XEP-0045: room locking stays at its default (on); creators must configure new rooms.`,
    `Component "conference.localhost" "muc"`,
    `  restrict_room_creation = false`,
    `  muc_room_default_persistent = ${persistentRooms}`,
    ``,
  ].join("\n");
}

async function waitForPort(port: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("Prosody exited during startup");
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${START_TIMEOUT_MS} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

