import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

/**
 * Structured logs, one JSON line per event on stdout. Level from LOG_LEVEL (default info).
 * Secrets are redacted by key wherever they appear in a logged object.
 */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    base: { name: "herald" },
    redact: { paths: ["password", "*.password", "xmpp.password", "config.xmpp.password"], censor: "[redacted]" },
  });
}
