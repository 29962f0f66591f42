// The process guard: what an unhandled error does to the bot (ops/process-guard.ts). Driven
// through an EventEmitter standing in for `process`, with a real pino logger writing to a buffer.
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pino } from "pino";
import { EXIT_SOFTWARE, installProcessGuard, isRecoverable } from "../../../src/ops/process-guard.js";

function guarded() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
      done();
    },
  });
  const exits: number[] = [];
  const proc = Object.assign(new EventEmitter(), { exit: (code: number) => void exits.push(code) });
  installProcessGuard(pino(sink), proc);
  return { proc, lines, exits };
}

// Errors as they were seen in the bench (issue 16), stacks shortened.
const scramInAbandonedLogIn = Object.assign(new Error("SCRAM: the server's nonce does not extend ours"), {
  stack: "Error: SCRAM: the server's nonce does not extend ours\n    at ScramSha1.proof (file:///opt/herald/dist/xmpp/scram.js:86:23)\n    at file:///opt/herald/node_modules/@xmpp/sasl/index.js:50:33",
});
const resetSocket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
const deadParser = Object.assign(new TypeError("Cannot read properties of null (reading 'write')"), {
  stack: "TypeError: Cannot read properties of null (reading 'write')\n    at Client._onData (file:///opt/herald/node_modules/@xmpp/connection/index.js:68:17)",
});
const ownBug = Object.assign(new TypeError("x is undefined"), { stack: "TypeError: x is undefined\n    at poll (file:///opt/herald/dist/polling/poller.js:40:3)" });

test("errors of the XMPP library and the network are recoverable; Herald's own are not", () => {
  expect(isRecoverable(resetSocket)).toBe(true);
  expect(isRecoverable(deadParser)).toBe(true);
  expect(isRecoverable(scramInAbandonedLogIn)).toBe(true);
  expect(isRecoverable(ownBug)).toBe(false);
  expect(isRecoverable(undefined)).toBe(false);
  expect(isRecoverable("a string")).toBe(false);
});

test("a promise rejected with nobody to handle it is logged, and the process goes on", async () => {
  const { proc, lines, exits } = guarded();
  proc.emit("unhandledRejection", scramInAbandonedLogIn);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exits).toEqual([]);
  expect(lines).toEqual([expect.objectContaining({ level: 50, msg: expect.stringMatching(/nobody to handle it.*carrying on/) })]);
});

test("an uncaught network or library error is logged, and the process goes on", async () => {
  const { proc, lines, exits } = guarded();
  proc.emit("uncaughtException", resetSocket);
  proc.emit("uncaughtException", deadParser);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exits).toEqual([]);
  expect(lines.map((l) => l.level)).toEqual([50, 50]);
});

test("any other uncaught exception ends the process with 70, for its supervisor to restart it", async () => {
  const { proc, lines, exits } = guarded();
  proc.emit("uncaughtException", ownBug);
  await new Promise((resolve) => setImmediate(resolve));
  expect(exits).toEqual([EXIT_SOFTWARE]);
  expect(lines).toEqual([expect.objectContaining({ level: 60, msg: expect.stringMatching(/exiting for the supervisor/) })]);
});
