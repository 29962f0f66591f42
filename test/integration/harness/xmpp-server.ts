// A real XMPP server on loopback for integration tests, whichever server it is: own temp dir, own free
// ports, foreground process. Every Jest worker may run several of these at once, so nothing is shared
// with a system install. What differs between servers is a ServerConfiguration (prosody.ts, ejabberd.ts).
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { access, constants, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { serverProcess } from "./server-process.js";

const run = promisify(execFile);

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
  /**
   * Rooms bounce a groupchat message sent sooner than this many seconds after the same occupant's
   * previous one, with a `wait` error (ejabberd's min_message_interval; on Prosody a test module
   * doing what mod_muc_limits does). Off by default.
   */
  minMessageIntervalS?: number;
  /**
   * Prosody's `muc_room_cache_size`: how many rooms it keeps in memory (its default is 100). Past
   * that, every join of a room not in memory loads it and evicts another, and with file storage
   * each eviction reads and rewrites the whole list of rooms (mod_muc.lua, storagemanager.lua):
   * at 1,000 rooms about 12-17 ms of Prosody's CPU per join instead of 0.5 ms. A server hosting
   * that many active rooms raises it; the bench's large scenarios do. ejabberd has no such cache.
   */
  mucRoomCacheSize?: number;
  /**
   * PubSub services (XEP-0060) to offer, by domain (e.g. pubsub.localhost), each with the bare JIDs
   * allowed to create nodes there. Prosody lets only a service's admins create nodes (they own every
   * node there); ejabberd lets every local user create nodes and owns a node to its creator, so it
   * ignores the lists. None by default.
   */
  pubsub?: Record<string, readonly string[]>;
  /**
   * A MIX service (XEP-0369) at this domain (e.g. mix.localhost): ejabberd's mod_mix. Prosody 0.12
   * has no MIX, so it ignores this: a test sees the server without one.
   */
  mix?: string;
}

/** A running throwaway server on loopback. */
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
  /** SIGSTOP: the server stops reading every connection (and answering anything) until `resume()`. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** SIGKILL, paused or not: the server dies without closing anything cleanly. `start()` brings it back. */
  kill(): Promise<void>;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
  /** Tail of the server's log file and console output, for error messages. */
  log(): string;
}

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** How one kind of server is set up and run; `startXmppServer` does the rest. */
export interface ServerConfiguration<Executable extends string> {
  /** For messages; lower-cased, it also names the temp dir and the log file. */
  readonly name: string;
  /** Looked up on PATH; if one is missing, starting fails with `notFound`. */
  readonly executables: readonly Executable[];
  readonly notFound: string;
  /** Loopback ports the server needs besides c2s and direct TLS, for its own tools. */
  readonly privatePorts: number;
  readonly startTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopGraceMs: number;
  /**
   * Accounts are made through the running server rather than in its data files. Then `register`
   * needs it running and the initial users are made after the first start, all at once; otherwise
   * one after another before it, so the first start already finds them.
   */
  readonly registersThroughServer: boolean;
  /** Writes the server's configuration into `setup.dir` and says how to run it. */
  prepare(setup: ServerSetup<Executable>): Promise<ServerCommands>;
}

export interface ServerSetup<Executable extends string> {
  readonly executables: Readonly<Record<Executable, string>>;
  /** The temp dir, removed by `cleanup()`. */
  readonly dir: string;
  /** Where the server must log; `log()` shows its tail. */
  readonly logFile: string;
  readonly port: number;
  readonly tlsPort: number | undefined;
  readonly tlsFiles: TlsFiles | undefined;
  /** As many as the configuration's `privatePorts`. */
  readonly privatePorts: readonly number[];
  readonly persistentRooms: boolean;
  readonly logLevel: "debug" | "info";
  readonly minMessageIntervalS: number | undefined;
  readonly mucRoomCacheSize: number | undefined;
  readonly pubsub: Readonly<Record<string, readonly string[]>>;
  readonly mix: string | undefined;
}

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ServerCommands {
  /** The server in the foreground. */
  readonly server: Command;
  /** Resolves once the server accepts clients, rejects if not yet; retried until `startTimeoutMs`. */
  probe(timeoutMs: number): Promise<void>;
  /** A short-lived command that creates an account on "localhost". */
  register(username: string, password: string): Command;
}

const PROBE_TIMEOUT_MS = 2_000;
const PROBE_INTERVAL_MS = 50;

export async function startXmppServer<Executable extends string>(
  configuration: ServerConfiguration<Executable>,
  options: XmppServerOptions = {},
): Promise<XmppServer> {
  const { name } = configuration;
  const executables = {} as Record<Executable, string>;
  for (const executable of configuration.executables) {
    const found = await findOnPath(executable);
    if (!found) throw new Error(configuration.notFound);
    executables[executable] = found;
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), `herald-${name.toLowerCase()}-`));
  const logFile = path.join(dir, `${name.toLowerCase()}.log`);
  let port: number;
  let tlsFiles: TlsFiles | undefined;
  let tlsPort: number | undefined;
  let commands: ServerCommands;
  try {
    const [c2s, ...more] = await freePorts(1 + configuration.privatePorts + (options.tls ? 1 : 0));
    port = c2s!;
    tlsPort = options.tls ? more.pop() : undefined;
    tlsFiles = options.tls ? await generateCertificates(path.join(dir, "tls")) : undefined;
    commands = await configuration.prepare({
      executables,
      dir,
      logFile,
      port,
      tlsPort,
      tlsFiles,
      privatePorts: more,
      persistentRooms: options.persistentRooms ?? true,
      logLevel: options.logLevel ?? "info",
      minMessageIntervalS: options.minMessageIntervalS,
      mucRoomCacheSize: options.mucRoomCacheSize,
      pubsub: options.pubsub ?? {},
      mix: options.mix,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  function log(): string {
    const file = existsSync(logFile) ? readFileSync(logFile, "utf8") : "(no log file)";
    return `--- ${logFile} (tail) ---\n${tail(file, 40)}\n--- ${name.toLowerCase()} console ---\n${tail(proc.output(), 20)}`;
  }

  const proc = serverProcess({
    name,
    spawn: () => {
      const { file, args, cwd, env } = commands.server;
      return spawn(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    },
    ready: (alive) => waitUntilServing(name, commands.probe, alive, configuration.startTimeoutMs),
    stopGraceMs: configuration.stopGraceMs,
    diagnostics: log,
  });
  const { start, stop, pause, resume, kill } = proc;

  async function register(username: string, password: string): Promise<void> {
    if (configuration.registersThroughServer && !proc.running) {
      throw new Error(`${name} must be running to register ${username}`);
    }
    const { file, args, cwd, env } = commands.register(username, password);
    try {
      await run(file, args, { cwd, env });
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      throw new Error(`${name}: registering ${username} failed: ${String(error)}\n${stdout}${stderr}\n${log()}`);
    }
  }

  const server: XmppServer = {
    domain: "localhost",
    mucDomain: "conference.localhost",
    host: "127.0.0.1",
    port,
    ...(tlsFiles && { tlsPort, caFile: tlsFiles.caFile }),
    dir,
    service: `xmpp://127.0.0.1:${port}`,
    register,
    start,
    stop,
    pause,
    resume,
    kill,
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

  const users = Object.entries(options.users ?? {});
  try {
    if (configuration.registersThroughServer) {
      await start();
      await Promise.all(users.map(([username, password]) => register(username, password)));
    } else {
      for (const [username, password] of users) await register(username, password);
      await start();
    }
  } catch (error) {
    await server.cleanup();
    throw error;
  }
  return server;
}

async function waitUntilServing(
  name: string,
  probe: (timeoutMs: number) => Promise<void>,
  alive: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no attempt";
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${name} exited during startup`);
    try {
      await probe(Math.min(PROBE_TIMEOUT_MS, deadline - Date.now()));
      return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${last})`);
}

/** A probe: something accepts connections on the loopback port. */
export function portOpen(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no connection to port ${port} yet`)));
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
  });
}

/** A probe: the server answers a client stream header on the loopback port with its features. */
export function streamFeatures(port: number, timeoutMs: number): Promise<void> {
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

/** A private CA and a server certificate for localhost and conference.localhost, made with the openssl CLI. */
async function generateCertificates(dir: string): Promise<TlsFiles> {
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

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
