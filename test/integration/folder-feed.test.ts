// A blog that is a folder of Markdown posts, end to end: the bot watches the folder, and a post
// written there reaches the room in seconds, long before the next poll (interval 1h).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member } from "./harness/member.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const ROOM = "blog@conference.localhost";
let server: XmppServer;
let bot: BotProcess;
let alice: Member;
let posts: string;

const post = (title: string, date: string, body: string) => `---\ntitle: "${title}"\ndate: ${date}\nauthors: [Ada]\n---\n\n${body}\n`;

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", alice: "alice-pw" } });
  const dir = mkdtempSync(join(tmpdir(), "herald-folder-"));
  posts = join(dir, "content", "blog");
  mkdirSync(posts, { recursive: true });
  writeFileSync(join(posts, "old-post.md"), post("An old post", "2020-01-01", "Written long ago."));
  const config = writeConfig(
    {
      xmpp: { jid: "herald@localhost", password: "bot-pw", service: server.service, resource: `folder-${process.pid}` },
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", path: posts, link: "https://example.org/{year}/{month}/{slug}/", interval: "1h" }],
      rooms: [{ jid: ROOM, feeds: ["blog"] }],
    },
    dir,
  );
  alice = await connectMember({ server, username: "alice", password: "alice-pw" });
  await alice.joinRoom(ROOM, "alice");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await alice.waitForOccupant(ROOM, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await alice?.stop();
  await server?.cleanup();
});

test("a new Markdown post is announced within seconds, with its summary and templated link", async () => {
  const today = new Date().toISOString().slice(0, 10);
  mkdirSync(join(posts, "2026"), { recursive: true });
  writeFileSync(join(posts, "2026", "hello-markdown.md"), post("Hello from Markdown", today, "The *first* sentence of the post. More text follows here.\n\n{{< tweet 123 >}}"));
  const message = await alice.waitForMessage((m) => m.type === "groupchat" && m.body.startsWith("*Hello from Markdown* — Ada"), 20_000);
  const [year, month] = today.split("-");
  expect(message.body).toBe(`*Hello from Markdown* — Ada\nThe first sentence of the post. More text follows here.\nhttps://example.org/${year}/${month}/hello-markdown/`);
  // The old post was the baseline: never announced.
  expect(alice.messages.filter((m) => m.body.includes("An old post"))).toHaveLength(0);
});
