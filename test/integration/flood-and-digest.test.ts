// No floods, as a room member sees it: a burst of posts is capped with an "…and K more" line, an
// old post that shows up late is not news, and a digest room gets one message per period.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const NEWS = "news@conference.localhost";
const DIGEST = "digest@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let bot: BotProcess;
let alice: Member;
let digestAt: Date;

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", alice: "alice-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Already there")]);
  // The digest is due at the start of a minute far enough ahead for the posts to be published first.
  const now = new Date();
  digestAt = new Date(Math.ceil((now.getTime() + 40_000) / 60_000) * 60_000);
  const hhmm = digestAt.toISOString().slice(11, 16);
  const dir = mkdtempSync(join(tmpdir(), "herald-flood-"));
  const config = writeConfig(
    {
      xmpp: { jid: "herald@localhost", password: "bot-pw", service: server.service, resource: `flood-${process.pid}` },
      store: join(dir, "herald.db"),
      time_zone: "UTC",
      announce: { max_age: "7d", max_per_poll: 3 },
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      rooms: [
        { jid: NEWS, feeds: ["blog"] },
        { jid: DIGEST, feeds: ["blog"], digest: `daily ${hhmm}`, instant: false },
      ],
    },
    dir,
  );
  alice = await connectMember({ server, username: "alice", password: "alice-pw" });
  await alice.joinRoom(NEWS, "alice");
  await alice.joinRoom(DIGEST, "alice");
  bot = BotProcess.run(config);
  await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
  await alice.waitForOccupant(NEWS, "Herald");
  await alice.waitForOccupant(DIGEST, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await alice?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

const from = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from === `${room}/Herald` && !m.delayed;

test("a burst of five new posts gives three announcements, the last with '…and 2 more'; a month-old post is not news", async () => {
  const day = 86_400_000;
  const base = Date.now();
  // The feed lists newest first; "Archive" is dated a month ago but appears only now.
  for (const [i, title] of ["Burst 1", "Burst 2", "Burst 3", "Burst 4", "Burst 5"].entries()) {
    feeds.publish("/blog.atom", makePost(title, { published: new Date(base - (5 - i) * 60_000) }));
  }
  feeds.publish("/blog.atom", makePost("Archive", { published: new Date(base - 30 * day) }));
  await alice.waitForMessage((m) => from(NEWS)(m) && m.body.startsWith("*Burst 5*"));
  const polled = await bot.waitForLog((l) => l.msg === "polled" && l.result === "new");
  expect(polled).toMatchObject({ added: 6, tooOld: 1, folded: 2, queued: 3 });
  const bodies = alice.messages.filter(from(NEWS)).map((m) => m.body);
  expect(bodies.map((b) => b.split("\n")[0])).toEqual(["*Burst 3*", "*Burst 4*", "*Burst 5*"]);
  expect(bodies[2]!.split("\n").at(-1)).toMatch(/^…and 2 more from Test blog \/blog\.atom: http:\/\/127\.0\.0\.1:\d+\/blog\.atom$/);
  // The digest-only room heard nothing yet.
  expect(alice.messages.filter(from(DIGEST))).toHaveLength(0);
});

test("the digest room gets one message listing the period's posts at the due time", async () => {
  const digest = await alice.waitForMessage(from(DIGEST), digestAt.getTime() - Date.now() + 60_000);
  const lines = digest.body.split("\n");
  expect(lines[0]).toMatch(/^\*Digest: 5 new posts since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\*$/);
  expect(lines.slice(1)).toEqual(["Burst 1", "Burst 2", "Burst 3", "Burst 4", "Burst 5"].map((t) => `• ${t} https://blog.example.org/${t.toLowerCase().replace(" ", "-")}/`));
  expect(alice.messages.filter(from(DIGEST))).toHaveLength(1);
}, 180_000);
