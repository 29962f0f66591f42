// `npm run bench [-- --quick] [--only <scenario>[,<scenario>]] [--corpus PATH] [--profile DIR]`
//
// Herald's benchmarks (issue 7): every scenario runs the built bot (`node dist/cli.js run`) as a
// child process against a real Prosody and a local HTTP feed farm, both on loopback; nothing
// leaves the machine. Prints a table (Markdown) and writes bench/results.json. Not part of npm test:
// figures are reported, never asserted, except that a run whose checks fail (a poll that should
// have been a 304, a refused command, a post never announced) exits 1.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Bot, ROOT } from "./bot.js";
import { BenchEnv, say, type ScenarioResult } from "./env.js";
import { describeMachine, loadNow, prosodyVersion } from "./machine.js";
import { sqliteEngine } from "./seed.js";
import { round as r } from "./stats.js";
import { commands } from "./scenarios/commands.js";
import { fanout } from "./scenarios/fanout.js";
import { latency } from "./scenarios/latency.js";
import { parse } from "./scenarios/parse.js";
import { changed } from "./scenarios/changed.js";
import { steady } from "./scenarios/steady.js";
import { scale } from "./scenarios/scale.js";
import { adaptive } from "./scenarios/adaptive.js";
import { push } from "./scenarios/push.js";
import { login } from "./scenarios/login.js";
import { scale10k } from "./scenarios/scale10k.js";
import { cluster } from "./scenarios/cluster.js";

/** In the order they run: the in-process parse first, the big installation and then several instances (on PostgreSQL) last. */
const SCENARIOS: Record<string, (env: BenchEnv) => Promise<ScenarioResult>> = { parse, adaptive, push, login, steady, changed, latency, fanout, scale, commands, scale10k, cluster };

const USAGE = `Usage: npm run bench [-- options]

  --quick             smaller sizes, fewer repetitions (a smoke run, about 2 minutes)
  --only NAMES        run only these scenarios (comma-separated, or repeat the option):
                      ${Object.keys(SCENARIOS).join(", ")}
  --corpus PATH       the shared corpus (default ../shared/corpus from the project root)
  --profile DIR       write a V8 CPU profile of every bot run into DIR (slows the bot down)
  --bot-node-arg ARG  pass ARG to the bot's node (repeatable), e.g. --bot-node-arg=--require=./x.cjs
                      for an experiment; results.json records it
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string", multiple: true },
        corpus: { type: "string", default: resolve(ROOT, "../shared/corpus") },
        profile: { type: "string" },
        "bot-node-arg": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const only = (values.only ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const selected = Object.keys(SCENARIOS).filter((name) => only.length === 0 || only.includes(name));
  // The bot runs as shipped (npm start, the Dockerfile and the systemd unit pass this flag).
  const botNodeArgs = ["--max-semi-space-size=2", ...(values["bot-node-arg"] ?? [])];
  if (values.profile) {
    const dir = resolve(values.profile);
    mkdirSync(dir, { recursive: true });
    botNodeArgs.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  Bot.nodeArgs = botNodeArgs;

  const machine = describeMachine(prosodyVersion(), await sqliteEngine());
  say(`Herald benchmarks${values.quick ? " (quick: smaller sizes, fewer repetitions)" : ""}: ${selected.join(", ")}`);
  say(`${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node} (SQLite: ${machine.sqlite}), Prosody ${machine.prosody}, load ${r(machine.loadAtStart, 2)}`);
  say(`The bot runs with node arguments: ${botNodeArgs.join(" ")}`);
  if (machine.loadAtStart > 0.5) say("Warning: the machine is busy (1-minute load above 0.5): figures will be noisy.");

  const started = performance.now();
  const env = await BenchEnv.create({ quick: values.quick, corpus: values.corpus });
  const results: (ScenarioResult & { seconds: number; error?: string })[] = [];
  let failed = false;
  try {
    for (const name of selected) {
      say(`\n== ${name}`);
      const t0 = performance.now();
      try {
        const result = await SCENARIOS[name]!(env);
        results.push({ ...result, seconds: r((performance.now() - t0) / 1000, 1) });
      } catch (err) {
        failed = true;
        const message = err instanceof Error ? err.message : String(err);
        say(`  FAILED: ${message}`);
        results.push({ scenario: name, title: name, figures: [], settings: {}, notes: [], samples: {}, seconds: r((performance.now() - t0) / 1000, 1), error: message });
      }
    }
  } finally {
    await env.close();
  }

  const finishedAt = new Date().toISOString();
  const loadAtEnd = loadNow();
  const json = results.map((result) => ({
    scenario: result.scenario,
    title: result.title,
    figures: result.figures.map((f) => ({ ...f, ...(f.target && { met: f.target.op === "<=" ? f.value <= f.target.value : f.value >= f.target.value }) })),
    settings: result.settings,
    notes: result.notes,
    samples: result.samples,
    ...(result.error !== undefined && { error: result.error }),
    seconds: result.seconds,
    quick: values.quick,
    ...(botNodeArgs.length > 0 && { botNodeArgs }),
    finishedAt,
    cpuModel: machine.cpuModel,
    cores: machine.cores,
    node: machine.node,
    kernel: machine.kernel,
    memoryMb: machine.memoryMb,
    prosody: machine.prosody,
    sqlite: machine.sqlite,
    loadAtStart: r(machine.loadAtStart, 2),
    loadAtEnd: r(loadAtEnd, 2),
  }));
  const out = join(ROOT, "bench", "results.json");
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);

  say(`\n${table(results)}`);
  say(`\n${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; load ${r(machine.loadAtStart, 2)} at start, ${r(loadAtEnd, 2)} at the end; ${r((performance.now() - started) / 1000, 0)} s in all.`);
  say(`Wrote ${out}`);
  return failed ? 1 : 0;
}

/** A Markdown table: one row per figure, with its target and whether it was met. */
function table(results: readonly (ScenarioResult & { error?: string })[]): string {
  const rows = [["scenario", "figure", "value", "target", ""], ["---", "---", "---:", "---:", "---"]];
  for (const result of results) {
    if (result.error !== undefined) rows.push([result.scenario, `FAILED: ${result.error.split("\n")[0]}`, "", "", ""]);
    for (const [i, f] of result.figures.entries()) {
      const met = f.target ? (f.target.op === "<=" ? f.value <= f.target.value : f.value >= f.target.value) : undefined;
      rows.push([i === 0 ? result.scenario : "", f.label, `${f.value} ${f.unit}`, f.target ? `${f.target.op} ${f.target.value} ${f.unit}` : "", met === undefined ? "" : met ? "met" : "MISSED"]);
    }
    if (result.figures.length === 0 && result.error === undefined) rows.push([result.scenario, result.notes[0] ?? "no figures", "", "", ""]);
  }
  return rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
