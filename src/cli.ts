#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, resolveConfigPath } from "./config/load.js";
import { createLogger } from "./log.js";
import { startHerald } from "./main.js";
import { FatalConnectionError } from "./xmpp/connection.js";
import { DatabaseTooNewError } from "./store/sqlite/database.js";
import { runPreview } from "./preview.js";
import { configJsonSchema } from "./config/json-schema.js";
import { parseDuration } from "./util/duration.js";
import { exportOpml, importOpml } from "./ops/opml-commands.js";
import { runningInstance, writePidFile } from "./ops/pid-file.js";
import { compactHeap } from "./ops/heap-release.js";
import { installProcessGuard } from "./ops/process-guard.js";
import { describeArgsError } from "./cli-options.js";
import { isPostgresUrl, passwordOf, redact } from "./store/location.js";

/**
 * Exit codes: 0 done, 1 runtime failure (login refused, untrusted certificate), 2 bad config or usage,
 * 75 (sysexits' EX_TEMPFAIL) a PostgreSQL store that cannot be reached at start: unlike 1, worth
 * restarting (the systemd unit's RestartPreventExitStatus=1 2 lets it; the database may be booting).
 */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_TEMPORARY = 75;

/** Connection failures (network, server starting or shutting down) that a later start may not meet. */
const TEMPORARY_STORE_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "57P01", "57P03"]);

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const USAGE = `Usage: herald <command> [options]

Commands:
  run [--config PATH]            run the bot (default config: config/herald.yaml, or $HERALD_CONFIG)
  check-config [--config PATH]   validate the config file and exit
  preview <source> [--limit N]   show how a feed URL, feed file, Markdown post or folder is announced
  config-schema                  print the config file's JSON Schema (for editors)
  import-opml <file> [--interval 10m] [--config PATH]
                                 add the feeds of an OPML file (a feed reader's export)
  export-opml [--config PATH]    print the feed list as OPML
  reload [--config PATH]         tell the running Herald to apply the config file's feeds and
                                 rooms now (the same as sending it SIGHUP)
  migrate-store --from FILE --to postgres://USER@HOST/DB
                                 copy a SQLite store into an empty PostgreSQL database (stop
                                 Herald first; --to defaults to $HERALD_STORE_URL)
  --version                      print the version

Environment:
  HERALD_CONFIG          config file path (--config wins)
  HERALD_XMPP_PASSWORD   the bot account's password (overrides the config file)
  HERALD_STORE_URL       a postgres:// URL for the store (overrides the config file's store)
  LOG_LEVEL              trace, debug, info (default), warn, error
  XMPP_DEBUG=1           log every XMPP stanza (@xmpp/debug)
  NODE_EXTRA_CA_CERTS    a PEM file of extra CAs to trust (a private CA for your XMPP server)
`;

async function main(argv: string[]): Promise<number> {
  // preview has options of its own; it needs no config file.
  if (argv[0] === "preview") return runPreview(argv.slice(1), process, { userAgent: `Herald/${version} (preview)` });
  if (argv[0] === "config-schema") {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  const options = {
    config: { type: "string", short: "c" },
    interval: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    version: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (err) {
    process.stderr.write(`herald: ${describeArgsError(err, options)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`herald ${version}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === "migrate-store") return runMigrateStore(values.from, values.to || process.env.HERALD_STORE_URL);
  if (!["run", "check-config", "import-opml", "export-opml", "reload"].includes(command ?? "")) {
    process.stderr.write(`herald: ${command ? `unknown command "${command}"` : "no command given"}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  const path = resolveConfigPath(values.config, process.env);
  let loaded;
  try {
    loaded = loadConfig(path, process.env, process.cwd());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  for (const warning of loaded.warnings) process.stderr.write(`herald: warning: ${warning}\n`);
  if (command === "import-opml") {
    const file = positionals[1];
    if (!file) {
      process.stderr.write(`herald: import-opml needs a file\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const intervalMs = values.interval === undefined ? undefined : parseDuration(values.interval);
    if (intervalMs === undefined && values.interval !== undefined) {
      process.stderr.write(`herald: --interval "${values.interval}" is not a duration like 10m or 1h\n`);
      return EXIT_USAGE;
    }
    const imported = await importOpml(loaded.config, file, intervalMs, process);
    if (imported !== 0) return imported;
    // A running bot on this database takes the new feeds up at once (see reload).
    const running = runningInstance(loaded.config.store, path);
    if ("pid" in running) {
      process.kill(running.pid, "SIGHUP");
      process.stdout.write(`told the running Herald (pid ${running.pid}); it polls the new feeds now\n`);
    }
    return 0;
  }
  if (command === "reload") {
    const running = runningInstance(loaded.config.store, path);
    if ("none" in running) {
      process.stderr.write(`herald: cannot reload: ${running.none}\n`);
      return EXIT_FAILURE;
    }
    process.kill(running.pid, "SIGHUP");
    process.stdout.write(`Asked Herald (pid ${running.pid}) to reload ${path}; its log says what changed, or why nothing did.\n`);
    return 0;
  }
  if (command === "export-opml") return exportOpml(loaded.config, process);
  if (command === "check-config") {
    const { config } = loaded;
    process.stdout.write(`${path}: OK (${config.feeds.length} feeds, ${config.rooms.length} rooms, store ${redact(config.store)})\n`);
    return 0;
  }
  return run(loaded.config, path, () => loadConfig(path, process.env, process.cwd()).config);
}

/** `herald migrate-store`: needs no config file; a refusal (MigrateStoreError) or a failure is exit 1. */
async function runMigrateStore(from: string | undefined, to: string | undefined): Promise<number> {
  if (!from || !to) {
    process.stderr.write(`herald: migrate-store needs --from (the SQLite file) and --to (a postgres:// URL, or $HERALD_STORE_URL)\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  // Loaded only here: no other command needs node-postgres.
  const { migrateStore, MigrateStoreError } = await import("./store/migrate-store.js");
  try {
    await migrateStore(from, to, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (err) {
    const message = err instanceof MigrateStoreError ? err.message : `cannot migrate to ${redact(to)}: ${(err as Error).message}`;
    process.stderr.write(`herald: ${scrub(message, to)}\n`);
    return EXIT_FAILURE;
  }
}

/** `text` without the password a store URL carries, wherever a library may have quoted it. */
function scrub(text: string, location: string): string {
  const password = passwordOf(location);
  // Very short passwords would shred ordinary words (as in config/load.ts).
  return password === undefined || password.length < 4 ? text : text.split(password).join("***");
}

async function run(config: Parameters<typeof startHerald>[0]["config"], configPath: string, reloadConfig: () => Parameters<typeof startHerald>[0]["config"]): Promise<number> {
  const log = createLogger();
  log.info({ version, jid: config.xmpp.jid, feeds: config.feeds.length, rooms: config.rooms.length }, "starting");
  let signals = 0;
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (signal: string) => {
    signals++;
    // A second signal means "now": the operator does not want to wait for a clean stop.
    if (signals > 1) process.exit(130);
    log.info({ signal }, "stopping");
    stopRequested?.();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  // Errors a library dropped on the floor must not end a bot that can recover from them.
  installProcessGuard(log);

  // The config's parse leaves its garbage in V8's old space (about 55 MB for 10,000 feeds, for 6 MB
  // kept): given back before start-up's own burst is added on top, so the peak stays lower.
  await compactHeap();
  let herald;
  try {
    herald = await startHerald({ config, log, version, xmppDebug: isSet(process.env.XMPP_DEBUG), reloadConfig });
  } catch (err) {
    // Start-up steps that fail at once: the store (permissions, a newer schema) and the HTTP port.
    const e = err as NodeJS.ErrnoException;
    const reason =
      err instanceof DatabaseTooNewError
        ? err.message
        : e.syscall === "listen"
          ? `cannot serve http on ${config.http?.host}:${config.http?.port} (${e.code}); free the port or change http.listen`
          : `cannot open the database ${redact(config.store)}: ${scrub(e.message, config.store)}`;
    log.error({ err: reason }, "cannot start");
    process.stderr.write(`herald: ${reason}\n`);
    const temporary = TEMPORARY_STORE_ERRORS.has(String(e.code)) || /Connection terminated|timeout expired/i.test(e.message ?? "");
    return isPostgresUrl(config.store) && temporary ? EXIT_TEMPORARY : EXIT_FAILURE;
  }
  // SIGHUP (herald reload): apply the config file's feeds and rooms again, keeping the session.
  const started = herald;
  process.on("SIGHUP", () => {
    log.info("SIGHUP: reloading the configuration");
    // A bad file is answered inside reload (logged, admins told); this catches the database failing.
    started.reload().catch((err: unknown) => log.error({ err }, "reload failed"));
  });
  let removePidFile = () => {};
  try {
    removePidFile = writePidFile(config.store, configPath, process.pid);
  } catch (err) {
    // Only `herald reload` and import-opml's nudge need it; SIGHUP still works. (With PostgreSQL it
    // goes beside the config file, which a hardened service may not write: ProtectSystem=strict.)
    log.warn({ err: (err as Error).message }, "cannot write the pid file; herald reload will not find this process, send it SIGHUP instead");
  }
  try {
    return await serve(started, stopSignal, log);
  } finally {
    removePidFile();
  }
}

async function serve(herald: Awaited<ReturnType<typeof startHerald>>, stopSignal: Promise<void>, log: ReturnType<typeof createLogger>): Promise<number> {
  try {
    await Promise.race([herald.ready, stopSignal]);
  } catch (err) {
    await herald.stop();
    if (err instanceof FatalConnectionError) {
      log.error({ err: err.message }, "cannot start");
      process.stderr.write(`herald: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
  const outcome = await Promise.race([herald.fatal, stopSignal.then(() => undefined)]);
  await herald.stop();
  if (outcome) {
    process.stderr.write(`herald: ${outcome.message}\n`);
    return EXIT_FAILURE;
  }
  return 0;
}

function isSet(value: string | undefined): boolean {
  return !!value && value !== "0" && value.toLowerCase() !== "false";
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`herald: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
