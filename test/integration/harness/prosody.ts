// A real Prosody on loopback for integration tests: own temp dir, own free ports, foreground process.
// Every Jest worker may run several of these at once, so nothing is shared with the system install.
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { access, constants, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { serverProcess } from "./server-process.js";

const run = promisify(execFile);

export const PROSODY_NOT_FOUND = "Prosody not found. Install it with: apt-get install -y prosody";

const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

/** Options of a throwaway test server; the same for every server the suite runs against (see server.ts). */
export interface XmppServerOptions {
  /** Generate a private CA and a certificate for localhost; offer STARTTLS and direct TLS. */
  tls?: boolean;
  /** Accounts to register before returning: username → password. */
  users?: Record<string, string>;
  /** New MUC rooms are persistent, so they survive `restart()` (default true). */
  persistentRooms?: boolean;
  /** The server's log level (default "info"); "debug" logs every stanza, handy when a test misbehaves. */
  logLevel?: "debug" | "info";
}
export type ProsodyOptions = XmppServerOptions;

/** A running throwaway server on loopback: Prosody here, ejabberd in ejabberd.ts. */
export interface XmppServer {
  readonly domain: string;
  readonly mucDomain: string;
  readonly host: string;
  readonly port: number;
  /** c2s direct TLS port (XEP-0368), only with `tls: true`. */
  readonly tlsPort?: number;
  /** PEM of the private CA that signed the server certificate, only with `tls: true`. */
  readonly caFile?: string;
  readonly dir: string;
  /** For @xmpp/client: "xmpp://127.0.0.1:PORT" (no DNS SRV lookup). */
  readonly service: string;
  register(username: string, password: string): Promise<void>;
  /** Start again on the same ports and data dir. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL if the server has not exited after a grace period. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
  /** Tail of the server's log file and console output, for error messages. */
  log(): string;
}
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

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
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

/** A private CA and a server certificate for localhost and conference.localhost, made with the openssl CLI. */
export async function generateCertificates(dir: string): Promise<TlsFiles> {
  await mkdir(dir);
  const file = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = async (args: string[]) => {
    try {
      await run("openssl", args);
    } catch (error) {
      throw new Error(`openssl ${args[0]} failed: ${String((error as { stderr?: string }).stderr ?? error)}`);
    }
  };
  await openssl(["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "30",
    "-subj", "/CN=Herald test CA"]);
  await openssl(["req", "-new", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"),
    "-subj", "/CN=localhost"]);
  await writeFile(file("server.ext"), [
    "basicConstraints = CA:FALSE",
    "keyUsage = digitalSignature, keyEncipherment",
    "extendedKeyUsage = serverAuth",
    "subjectAltName = DNS:localhost, DNS:conference.localhost",
  ].join("\n"));
  await openssl(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
    "-CAcreateserial", "-days", "30", "-extfile", file("server.ext"), "-out", file("server.crt")]);
  return { caFile: file("ca.crt"), certFile: file("server.crt"), keyFile: file("server.key") };
}

/** Ports the kernel just handed out for port 0; all held at once so they differ. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
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

export async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
