// PostgreSQL as a throwaway test server, like Prosody (prosody.ts, xmpp-server.ts): its own temp
// dir, a cluster made there by initdb, a free loopback port, the socket in the temp dir, the
// server in the foreground. Nothing is shared with a system install. As root, the cluster belongs
// to the `postgres` user (the server refuses to run as root); otherwise to whoever runs the tests.
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { access, chown, constants, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { serverProcess } from "./server-process.js";
import { findOnPath, freePorts } from "./xmpp-server.js";

const run = promisify(execFile);

export const POSTGRES_NOT_FOUND =
  "PostgreSQL not found. Install it with: apt-get install -y postgresql (or set HERALD_TEST_PG_BIN to the directory of initdb and postgres)";

/** The superuser the test cluster is made with; the trust method lets it in without a password. */
const SUPERUSER = "herald";
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** The temp dir: the cluster (`data/`) and the server's socket; removed by `cleanup()`. */
  readonly dir: string;
  /** A connection URL for a database of this server (default: the `postgres` database). */
  url(database?: string): string;
  /** Creates a fresh empty database (its name is new on every call) and returns its URL. */
  createDatabase(): Promise<string>;
  /** Start again on the same port and cluster. */
  start(): Promise<void>;
  /** A fast shutdown (SIGINT: open sessions are cut), then SIGKILL if it has not exited after a grace period. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP: the server stops answering anything until `resume()`. */
  pause(): void;
  resume(): void;
  /** SIGKILL: the postmaster dies without a shutdown; `start()` recovers the cluster from its WAL. */
  kill(): Promise<void>;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
  /** The tail of the server's console output, for error messages. */
  log(): string;
}

/** Starts a throwaway PostgreSQL cluster on loopback. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = await findBinaries();
  const owner = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), "herald-postgres-"));
  const data = path.join(dir, "data");
  const [port] = await freePorts(1);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
    // --no-sync and fsync=off: a test cluster need not survive a power cut, and is much faster.
    await run(bin.initdb, ["-D", data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"], {
      ...asOwner,
      cwd: dir,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { stderr = "" } = error as { stderr?: string };
    throw new Error(`PostgreSQL: initdb failed: ${String(error)}\n${stderr}`);
  }

  const url = (database = "postgres") => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const proc = serverProcess({
    name: "PostgreSQL",
    spawn: () =>
      spawn(
        bin.postgres,
        [
          "-D", data,
          "-p", String(port!),
          "-k", dir,
          "-c", "listen_addresses=127.0.0.1",
          "-c", "fsync=off",
          "-c", "synchronous_commit=off",
          "-c", "full_page_writes=off",
          "-c", "max_connections=200",
          "-c", "logging_collector=off",
        ],
        { ...asOwner, cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
      ),
    ready: (alive) => waitUntilServing(url(), alive),
    stopGraceMs: STOP_GRACE_MS,
    diagnostics: () => tail(proc.output(), 30),
  });

  async function stop(): Promise<void> {
    if (!proc.running) return;
    // SIGINT is PostgreSQL's fast shutdown: the SIGTERM serverProcess sends is a "smart" one,
    // which would wait for every client (a test's pool) to disconnect first.
    const pid = await postmasterPid(data);
    if (pid !== undefined) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    }
    await proc.stop();
  }

  let databases = 0;
  const server: PostgresServer = {
    host: "127.0.0.1",
    port: port!,
    dir,
    url,
    async createDatabase() {
      const name = `herald_test_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    start: () => proc.start(),
    stop,
    restart: async () => {
      await stop();
      await proc.start();
    },
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    kill: () => proc.kill(),
    cleanup: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => `--- postgresql console (tail) ---\n${tail(proc.output(), 40)}`,
  };

  try {
    await proc.start();
  } catch (error) {
    await server.cleanup();
    throw error;
  }
  return server;
}

/** initdb and postgres: HERALD_TEST_PG_BIN, else Debian's newest /usr/lib/postgresql/N/bin, else PATH. */
async function findBinaries(): Promise<{ initdb: string; postgres: string }> {
  const dirs = process.env.HERALD_TEST_PG_BIN ? [process.env.HERALD_TEST_PG_BIN] : debianBinDirs();
  for (const dir of dirs) {
    const initdb = path.join(dir, "initdb");
    const postgres = path.join(dir, "postgres");
    if ((await executable(initdb)) && (await executable(postgres))) return { initdb, postgres };
  }
  const initdb = await findOnPath("initdb");
  const postgres = await findOnPath("postgres");
  if (initdb && postgres) return { initdb, postgres };
  throw new Error(POSTGRES_NOT_FOUND);
}

function debianBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, "bin"));
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The user the cluster runs as when the tests run as root: `postgres` (Debian's), from /etc/passwd. */
function unprivilegedUser(): { uid: number; gid: number } {
  const name = process.env.HERALD_TEST_PG_USER ?? "postgres";
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.split(":")[0] === name);
  if (!line) throw new Error(`PostgreSQL refuses to run as root, and there is no user "${name}" to run it as (set HERALD_TEST_PG_USER)`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function postmasterPid(data: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path.join(data, "postmaster.pid"), "utf8")).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilServing(url: string, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = "no attempt";
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("PostgreSQL exited during startup");
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      last = String(error);
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${START_TIMEOUT_MS} ms (${last})`);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
