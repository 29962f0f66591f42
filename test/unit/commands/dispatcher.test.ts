import { pino } from "pino";
import { command, tokenize, UserError, type CommandContext } from "../../../src/commands/command.js";
import { createDispatcher } from "../../../src/commands/dispatcher.js";
import { createRateLimiter } from "../../../src/commands/rate-limit.js";
import { addressedLine } from "../../../src/bot/inbound.js";

const log = pino({ level: "silent" });
const dm = (sender: string, isAdmin = false): CommandContext => ({ sender, isAdmin, place: { kind: "dm" } });
const inRoom = (nick: string, realJid?: string): CommandContext => ({ sender: realJid, isAdmin: false, place: { kind: "room", room: "r@muc", nick } });

function setup(now = () => 0) {
  const calls: string[][] = [];
  const dispatcher = createDispatcher({
    log,
    now,
    commands: [
      command({ name: "latest", summary: "s", admin: false, inRooms: true, run: (_c, args) => (calls.push([...args]), `latest ${args.join(",")}`) }),
      command({ name: "feed add", summary: "s", admin: true, inRooms: false, run: (_c, args, rest) => `added ${args[0]} rest=${rest}` }),
      command({ name: "feed", summary: "s", admin: false, inRooms: false, run: () => "feed alone" }),
      command({ name: "oops", summary: "s", admin: false, inRooms: false, run: () => { throw new Error("db is on fire\n    at x.js:1"); } }),
      command({ name: "nope", summary: "s", admin: false, inRooms: false, run: () => { throw new UserError("No such thing."); } }),
    ],
  });
  return { dispatcher, calls };
}

test("two-word commands win over one-word ones; quoted words stay together; case does not matter", async () => {
  const { dispatcher } = setup();
  expect(await dispatcher.handle('FEED ADD blog "https://x/a b" 10m', dm("a@x", true))).toBe('added blog rest=blog "https://x/a b" 10m');
  expect(await dispatcher.handle("feed", dm("a@x"))).toBe("feed alone");
  expect(tokenize('a "b c" d')).toEqual(["a", "b c", "d"]);
});

test("admins only: a refusal in one line, the executor never runs", async () => {
  const { dispatcher } = setup();
  expect(await dispatcher.handle("feed add x y", dm("eve@x"))).toBe("“feed add” is for Herald's admins only.");
});

test("unknown commands get a hint by DM and silence in rooms", async () => {
  const { dispatcher } = setup();
  expect(await dispatcher.handle("frob", dm("a@x"))).toMatch(/^Unknown command “frob”. Say “help”/);
  expect(await dispatcher.handle("frob", inRoom("alice"))).toBeUndefined();
});

test("in rooms only read-only commands run", async () => {
  const { dispatcher } = setup();
  expect(await dispatcher.handle("latest 2", inRoom("alice"))).toBe("latest 2");
  expect(await dispatcher.handle("feed", inRoom("alice"))).toBe("Ask me “feed” by direct message.");
});

test("a bug in an executor is one line for the user, never a stack trace; UserError is shown as is", async () => {
  const { dispatcher } = setup();
  const reply = await dispatcher.handle("oops", dm("a@x"));
  expect(reply).toBe("Sorry, “oops” failed on my side; the admins can find the details in my log.");
  expect(await dispatcher.handle("nope", dm("a@x"))).toBe("No such thing.");
});

test("a flooding sender is told once, then ignored, while others are answered", async () => {
  const { dispatcher } = setup();
  const replies = [];
  for (let i = 0; i < 25; i++) replies.push(await dispatcher.handle("latest", dm("flood@x")));
  expect(replies.filter((r) => r === "latest ")).toHaveLength(20);
  expect(replies.filter((r) => r?.startsWith("You are sending commands faster"))).toHaveLength(1);
  expect(replies.filter((r) => r === undefined)).toHaveLength(4);
  expect(await dispatcher.handle("latest", dm("calm@x"))).toBe("latest ");
});

test("the bucket refills with time", () => {
  let t = 0;
  const limiter = createRateLimiter({ burst: 1, refillMs: 1000, now: () => t });
  expect(limiter.take("a")).toBe("ok");
  expect(limiter.take("a")).toBe("limited");
  expect(limiter.take("a")).toBe("silent");
  t = 1000;
  expect(limiter.take("a")).toBe("ok");
});

test("room lines are ours only when addressed", () => {
  expect(addressedLine("!latest 3", "Herald")).toBe("latest 3");
  expect(addressedLine("herald: latest", "Herald")).toBe("latest");
  expect(addressedLine("Herald, help", "Herald")).toBe("help");
  expect(addressedLine("Heraldry is great", "Herald")).toBeUndefined();
  expect(addressedLine("good morning", "Herald")).toBeUndefined();
});
