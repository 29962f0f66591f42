// `npm run demo`: Herald end to end on local defaults. Starts a throwaway Prosody on loopback, a
// local blog feed and a reader in a room, runs the real `herald run`, publishes posts, and shows
// what the reader sees. Nothing outside a temp dir is touched.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startProsody } from "../test/integration/harness/prosody.js";
import { connectMember, type MessageRecord } from "../test/integration/harness/member.js";
import { FeedServer, makePost } from "../test/integration/harness/feed-server.js";

const root = resolve(fileURLToPath(import.meta.url), "../../..");
const room = "news@conference.localhost";
const say = (text: string) => process.stdout.write(`\n▶ ${text}\n`);

async function main(): Promise<void> {
  say("Starting a throwaway Prosody on 127.0.0.1 …");
  const server = await startProsody({ users: { herald: "demo-bot-pw", reader: "demo-reader-pw" } });
  const feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [
    makePost("Welcome to the blog", { summary: "<p>An older post that is already there when Herald starts.</p>" }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "herald-demo-"));
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
  await reader.joinRoom(room, "reader");
  console.log(`  reader@localhost joined ${room}`);

  say("Starting Herald (node dist/cli.js run) …");
  const bot = spawn(process.execPath, [join(root, "dist/cli.js"), "run", "--config", config], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
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
  await new Promise((r) => bot.once("exit", r));
  console.log(`  Herald still in the room: ${reader.occupants(room).has("Herald") ? "yes" : "no"}`);

  await reader.stop();
  await feeds.stop();
  await server.cleanup();
  say("Done. Next: copy config/herald.example.yaml to config/herald.yaml and run `npm start`.");
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
