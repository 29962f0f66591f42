// `node build/bench/probe-fetch.js <url-prefix> <count> <etag-file>`: a child process that makes
// the bot's conditional GET (its headers, 32 at a time, keep-alive) `count` times with fetch()
// and with node:http, and prints its own CPU per request as JSON. Run by scenario 1 to show what
// the HTTP client alone costs per unchanged poll, apart from everything else the bot does.
// `… paced <per-second> <seconds>`: node:http only, one request every 1/per-second s (as the bot's
// polls come when each feed's timer fires), over a window after as long a warm-up: the floor of a
// poll spread out in time, which pays its own wake-up where a burst shares one.
// `… ticked <per-second> <seconds>`: node:http only, the same requests per second, but all of a
// second's requests sent together on one timer each second, as the bot's poller sends the feeds
// due on one tick (polling/poller.ts): the floor of the bot's own way of spacing its polls.
import http from "node:http";
import { readFileSync } from "node:fs";

const CONCURRENCY = 32;

async function main(): Promise<void> {
  const [prefix, countText, validatorsFile, mode, rateText, secondsText] = process.argv.slice(2);
  const count = Number(countText);
  // path → [etag, last-modified], so every request is answered 304 as in the bot's steady state.
  const validators = new Map(Object.entries(JSON.parse(readFileSync(validatorsFile!, "utf8")) as Record<string, [string, string]>));
  const paths = [...validators.keys()];
  const headers = (path: string) => ({
    "user-agent": "Herald/0.1.0 (XMPP feed bot)",
    accept: "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
    "if-none-match": validators.get(path)![0],
    "if-modified-since": validators.get(path)![1],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const clients = {
    async fetch(path: string): Promise<number> {
      const response = await fetch(`${prefix}${path}`, { headers: headers(path), signal: AbortSignal.timeout(30_000), redirect: "follow" });
      await response.body?.cancel();
      return response.status;
    },
    http(path: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const url = new URL(`${prefix}${path}`);
        const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: headers(path), agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
      });
    },
  };
  if (mode === "paced" || mode === "ticked") {
    const rate = Number(rateText);
    const windowMs = Number(secondsText) * 1000;
    // Paced: one request on each of `rate` timers a second. Ticked: all of a second's requests on
    // one timer a second, as the bot's poller sends the feeds due on a tick.
    const everyMs = mode === "paced" ? 1000 / rate : 1000;
    const perTimer = mode === "paced" ? 1 : rate;
    let i = 0;
    let carry = 0;
    const drive = (ms: number) =>
      new Promise<number>((resolve, reject) => {
        let n = 0;
        const end = performance.now() + ms;
        const next = () => {
          if (performance.now() >= end) return resolve(n);
          setTimeout(() => {
            // A fractional rate (16.7 per s) sends 16 or 17 a tick, as the bot's ticks do.
            carry += perTimer;
            const due = Math.floor(carry);
            carry -= due;
            for (let k = 0; k < due; k++) {
              clients
                .http(paths[i++ % paths.length]!)
                .then((status) => {
                  if (status !== 304) throw new Error(`http: expected 304, got ${status}`);
                  n++;
                })
                .catch(reject);
            }
            next();
          }, everyMs);
        };
        next();
      });
    await drive(Math.min(windowMs, 20_000)); // warm-up
    const before = process.cpuUsage();
    const n = await drive(windowMs);
    const used = process.cpuUsage(before);
    agent.destroy();
    process.stdout.write(`${JSON.stringify({ [mode]: (used.user + used.system) / 1000 / n, requests: n })}\n`);
    return;
  }
  const result: Record<string, number> = {};
  for (const [name, get] of Object.entries(clients)) {
    const run = async (n: number) => {
      let i = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < n) {
            const status = await get(paths[i++ % paths.length]!);
            if (status !== 304) throw new Error(`${name}: expected 304, got ${status}`);
          }
        }),
      );
    };
    await run(Math.min(count, 1000)); // warm-up
    const before = process.cpuUsage();
    await run(count);
    const used = process.cpuUsage(before);
    result[name] = (used.user + used.system) / 1000 / count;
  }
  agent.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`probe-fetch: ${String(err)}\n`);
  process.exit(1);
});
