// `npm run demo`: Herald end to end on local defaults. Starts a throwaway Prosody on loopback, a
// local blog feed and a reader in a room, runs the real `herald run`, publishes posts, and shows
// what the reader sees. Nothing outside a temp dir is touched, and that dir (it holds the bot's
// password and database) is removed when the demo ends, however it ends.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startProsody } from "../test/integration/harness/prosody.js";
import { connectMember, type MessageRecord } from "../test/integration/harness/member.js";
import { FeedServer, makePost } from "../test/integration/harness/feed-server.js";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const room = "news@conference.localhost";
const say = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

/** What the demo started, so that any ending (done, failed, Ctrl-C) stops and removes it all. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await Promise.resolve().then(step).catch(() => undefined);
  })();
  return cleaning;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "herald-demo-"));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`  removed ${dir} (it held the bot's password and database)`);
  });
  say("Starting a throwaway Prosody on 127.0.0.1 …");
  const server = await startProsody({ users: { herald: "demo-bot-pw", reader: "demo-reader-pw" } });
  cleanups.push(() => server.cleanup());
  const feeds = new FeedServer();
  await feeds.start();
  cleanups.push(() => feeds.stop());
  feeds.setFeed("/blog.atom", "atom", [
    makePost("Welcome to the blog", { summary: "<p>An older post that is already there when Herald starts.</p>" }),
  ]);
  const config = join(dir, "herald.yaml");
  writeFileSync(
    config,
    [
      "xmpp:",
      "  jid: herald@localhost",
      "  password: demo-bot-pw",
      `  service: ${server.service}`,
      "nick: Herald",
      `store: ${join(dir, "herald.db")}`,
      "feeds:",
      `  - { name: blog, url: "${feeds.url("/blog.atom")}", interval: 2s }`,
      "rooms:",
      `  - { jid: ${room}, feeds: [blog] }`,
      "",
    ].join("\n"),
  );
  console.log(`  server ${server.service}, feed ${feeds.url("/blog.atom")}, config ${config}`);

  const reader = await connectMember({ server, username: "reader", password: "demo-reader-pw" });
  cleanups.push(() => reader.stop());
  await reader.joinRoom(room, "reader");
  console.log(`  reader@localhost joined ${room}`);

  say("Starting Herald (node dist/cli.js run) …");
  const bot: ChildProcess = spawn(process.execPath, [join(root, "dist/cli.js"), "run", "--config", config], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const botExited = new Promise((r) => bot.once("exit", r));
  cleanups.push(async () => {
    if (bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
    await botExited;
  });
  await reader.waitForOccupant(room, "Herald", 30_000);
  console.log("  Herald is in the room. Its first poll is a baseline: the existing post is not announced.");

  const show = (m: MessageRecord) => console.log(`\n  ${m.from.split("/")[1]} in ${room}:\n${m.body.replace(/^/gm, "    │ ")}`);
  for (const post of [
    makePost("Herald 0.1 is out", {
      author: "The Herald team",
      summary: "<p>Herald announces <b>new blog posts</b> in XMPP group chats &amp; keeps them tidy. <script>alert('never shown')</script>It never floods a room and never posts twice.</p>",
    }),
    makePost("XMPP Summit notes", { summary: "<p>Notes from the summit: stream management, MUC and a lot of coffee.</p>" }),
  ]) {
    say(`Publishing "${post.title}" on the blog …`);
    feeds.publish("/blog.atom", post);
    show(await reader.waitForMessage((m) => m.type === "groupchat" && m.body.includes(post.title), 30_000));
  }

  say("Stopping Herald with SIGTERM; it leaves the room …");
  bot.kill("SIGTERM");
  await botExited;
  console.log(`  Herald still in the room: ${reader.occupants(room).has("Herald") ? "yes" : "no"}`);

  say("Stopping the reader, the feed and Prosody; removing the temporary folder …");
  await cleanUp();
  say("Done. Next: copy config/herald.example.yaml to config/herald.yaml and run `npm start`.");
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping and removing the temporary folder …`);
    void cleanUp().then(() => process.exit(130));
  });
}

main().catch(async (err: unknown) => {
  if (cleaning !== undefined) return; // stopped by a signal: its handler is cleaning up and exits
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  await cleanUp();
  process.exit(1);
});
