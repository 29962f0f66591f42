// What every scenario shares: one Prosody on loopback, one feed farm, accounts, a temp dir, and
// the result shape. Built once per `npm run bench`, torn down at the end.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { startProsody, type ProsodyServer } from "../test/integration/harness/prosody.js";
import { connectMember, type Member } from "../test/integration/harness/member.js";
import { FeedFarm } from "./feed-farm.js";
import { readCpu, type CpuReading } from "./proc.js";

export const BOT_JID = "herald@localhost";
export const BOT_PASSWORD = "bench-bot-pw";
/** Accounts of the people in the scenarios: a reader in rooms, ten users asking commands, and an echo client (the floor of a command's round trip). */
export const USERS = ["reader", "echo", ...Array.from({ length: 10 }, (_, i) => `user${i + 1}`)];

export interface Figure {
  /** Stable key for the JSON, e.g. "cycle_wall_ms". */
  readonly key: string;
  /** What it is, for the table. */
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** The target, when it sets one. */
  readonly target?: { readonly op: "<=" | ">="; readonly value: number };
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly figures: Figure[];
  /** Sizes and settings the figures were measured with. */
  readonly settings: Record<string, unknown>;
  /** How each figure was measured, caveats, and anything skipped. */
  readonly notes: string[];
  /** Per-repetition raw values, so a reader can judge the spread. */
  readonly samples: Record<string, number[]>;
}

export interface BenchOptions {
  readonly quick: boolean;
  readonly corpus: string;
}

/** Prosody's muc_room_cache_size in the bench: above every room the scenarios of one run create. */
export const BENCH_ROOM_CACHE = 4000;

export class BenchEnv {
  readonly dir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  readonly farm = new FeedFarm();
  /** Shared set-ups (a prepared database, members in rooms), built by the first scenario needing them. */
  readonly fixtures = new Map<string, Promise<unknown>>();
  private readonly members = new Map<string, Promise<Member>>();
  private resources = 0;

  private constructor(
    readonly options: BenchOptions,
    readonly server: ProsodyServer,
    /** A loopback port nothing listens on: the polling scenarios' bot never logs in (see polling.ts). */
    readonly closedPort: number,
  ) {}

  static async create(options: BenchOptions): Promise<BenchEnv> {
    const users = Object.fromEntries([["herald", BOT_PASSWORD], ...USERS.map((u) => [u, `${u}-pw`])]);
    // Prosody keeps 100 rooms in memory by default, and past that every join rewrites its whole
    // list of rooms (harness/xmpp-server.ts): a server hosting the scale scenarios' 1,000 rooms
    // (and the other scenarios' rooms beside them) is configured for them, as its admin would.
    const server = await startProsody({ users, mucRoomCacheSize: BENCH_ROOM_CACHE });
    const env = new BenchEnv(options, server, await closedPort());
    await env.farm.start();
    return env;
  }

  get quick(): boolean {
    return this.options.quick;
  }

  /** The bot's xmpp section, with a resource of its own for each start. */
  xmpp(service = this.server.service): { jid: string; password: string; service: string; resource: string } {
    return { jid: BOT_JID, password: BOT_PASSWORD, service, resource: `bench-${process.pid}-${++this.resources}` };
  }

  /** A logged-in client for one of USERS, shared between scenarios. */
  member(username: string): Promise<Member> {
    let member = this.members.get(username);
    if (!member) {
      member = connectMember({ server: this.server, username, password: `${username}-pw`, resource: `bench-${username}` });
      this.members.set(username, member);
    }
    return member;
  }

  /** Memoises a set-up shared by several scenarios. */
  fixture<T>(name: string, build: () => Promise<T>): Promise<T> {
    let value = this.fixtures.get(name) as Promise<T> | undefined;
    if (!value) {
      value = build();
      this.fixtures.set(name, value);
    }
    return value;
  }

  /** Prosody's CPU (it runs in its own process; its pid is in its pidfile). */
  prosodyCpu(): CpuReading | undefined {
    try {
      return readCpu(Number(readFileSync(join(this.server.dir, "prosody.pid"), "utf8").trim()));
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    for (const member of this.members.values()) await member.then((m) => m.stop()).catch(() => undefined);
    await this.farm.stop();
    await this.server.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port the kernel just handed out and that was closed again: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const say = (text: string): void => void process.stdout.write(`${text}\n`);
