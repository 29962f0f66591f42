import { pino, type Logger as PinoLogger } from "pino";
import pretty from "pino-pretty";

export type Logger = PinoLogger;

/**
 * Structured logs, one JSON line per event on stdout, for log collectors; in a terminal the same
 * events are printed readably (pino-pretty). Level from LOG_LEVEL (default info). Secrets are
 * redacted by key wherever they appear in a logged object.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    base: { name: "herald" },
    redact: { paths: ["password", "*.password", "xmpp.password", "config.xmpp.password"], censor: "[redacted]" },
  };
  const readable = options.pretty ?? (process.stdout.isTTY === true && process.env.LOG_FORMAT !== "json");
  return readable ? pino(settings, pretty({ colorize: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname,name" })) : pino(settings);
}
