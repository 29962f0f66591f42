// Talking to the bot as its users do, through a real Prosody: a user by direct message, a member
// in a room, an admin changing rooms and feeds at runtime (and finding them after a restart), a
// stranger refused, invitations, and the client command menu (XEP-0050 ad-hoc commands).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml, type Element } from "@xmpp/client";
import { startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const RESOURCE = `conv-${process.pid}`;
/** The bot's full JID (ad-hoc commands, disco), read once it is online. */
let BOT_FULL = `${BOT}/${RESOURCE}`;
const LOBBY = "lobby@conference.localhost";

let server: XmppServer;
let feeds: FeedServer;
let bot: BotProcess;
let configPath: string;
let admin: Member;
let user: Member;
let stranger: Member;

beforeAll(async () => {
  server = await startServer({ users: { herald: "bot-pw", admin: "admin-pw", user: "user-pw", stranger: "stranger-pw" } });
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/xsf.atom", "atom", [
    makePost("Stream management explained", { summary: "<p>How XEP-0198 resumption keeps sessions alive. More detail follows.</p>", published: new Date("2026-01-02T00:00:00Z") }),
    makePost("Summit notes", { summary: "<p>What happened at the summit.</p>", published: new Date("2026-01-01T00:00:00Z") }),
  ]);
  feeds.setFeed("/other.atom", "atom", [makePost("Other blog hello")]);
  const dir = mkdtempSync(join(tmpdir(), "herald-conv-"));
  configPath = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: RESOURCE },
      nick: "Herald",
      admins: ["admin@localhost"],
      store: join(dir, "herald.db"),
      feeds: [{ name: "xsf", url: feeds.url("/xsf.atom"), interval: "1s" }],
      rooms: [{ jid: LOBBY, feeds: ["xsf"] }],
      // The test feeds are on 127.0.0.1; runtime-added feeds may only reach it when allowed.
      fetch: { allow_private_addresses: true },
    },
    dir,
  );
  [admin, user, stranger] = await Promise.all([
    connectMember({ server, username: "admin", password: "admin-pw" }),
    connectMember({ server, username: "user", password: "user-pw" }),
    connectMember({ server, username: "stranger", password: "stranger-pw" }),
  ]);
  bot = BotProcess.run(configPath);
  await bot.waitForMsg("polled", { feed: "xsf", result: "baseline" });
  await bot.waitForMsg("joined room", { room: LOBBY });
  BOT_FULL = await bot.fullJid();
});

afterAll(async () => {
  await bot?.kill();
  await Promise.all([admin, user, stranger].map((m) => m?.stop()));
  await feeds?.stop();
  await server?.cleanup();
});

/** Sends a DM and waits for the bot's next chat reply. */
async function ask(who: Member, text: string): Promise<string> {
  const before = who.messages.length;
  await who.sendChat(BOT, text);
  const reply = await who.waitForMessage((m) => who.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`));
  return reply.body;
}

test("help lists what a user can do; admin commands are listed only for admins", async () => {
  const help = await ask(user, "help");
  for (const name of ["latest", "search", "feeds", "subscribe", "status"]) expect(help).toContain(`  ${name}`);
  expect(help).not.toContain("feed add");
  expect(await ask(admin, "help")).toContain("feed add <name> <url> [interval]");
  expect(await ask(user, "help latest")).toMatch(/^latest \[N\] \[feed\]: the N newest posts/);
});

test("latest, search, feeds and status answer by direct message", async () => {
  expect(await ask(user, "latest")).toMatch(/^1\. \*Stream management explained\* \(2026-01-02, xsf\)\n {3}https:\/\/[^\n]+\n2\. \*Summit notes\*/);
  // One post also shows its summary.
  expect(await ask(user, "latest 1")).toContain("How XEP-0198 resumption keeps sessions alive.");
  expect(await ask(user, "search resumption")).toContain("Stream management explained");
  expect(await ask(user, "search zzzunmatched")).toBe("Nothing matches “zzzunmatched”.");
  expect(await ask(user, "feeds")).toMatch(/^xsf “Test blog \/xsf.atom” http:\/\/127\.0\.0\.1:\d+\/xsf\.atom\n {3}newest post 2026-01-02; OK\n {3}read every 1s \(fixed\)$/);
  expect(await ask(user, "status")).toMatch(/^Herald \d+\.\d+\.\d+, up \d+m\nrooms: 1 of 1 joined( by this instance)?\nfeeds: 1 OK, 0 failing/);
});

test("an unknown command gets a hint; a non-admin trying an admin command gets a one-line refusal", async () => {
  expect(await ask(user, "frobnicate")).toBe("Unknown command “frobnicate”. Say “help” to see what I can do.");
  expect(await ask(stranger, "join evil@conference.localhost")).toBe("“join” is for Herald's admins only.");
  expect(await ask(stranger, "feed add x http://127.0.0.1:1/")).toBe("“feed add” is for Herald's admins only.");
});

test("in a room, !latest and 'Herald: latest' are answered there; other chatter is ignored", async () => {
  await user.joinRoom(LOBBY, "user");
  const fromBot = (m: MessageRecord) => m.type === "groupchat" && m.from === `${LOBBY}/Herald` && !m.delayed;
  await user.sendGroupchat(LOBBY, "!latest 1");
  const first = await user.waitForMessage((m) => fromBot(m) && m.body.startsWith("user: *Stream management explained*"));
  expect(first.body).toContain("How XEP-0198");
  await user.sendGroupchat(LOBBY, "Herald: help");
  await user.waitForMessage((m) => fromBot(m) && m.body.startsWith("user: In this room, say “!command” or “Herald: command”"));
  await user.sendGroupchat(LOBBY, "good morning everyone");
  await user.sendGroupchat(LOBBY, "!join evil@conference.localhost");
  // The bot answers the admin command line with a refusal, and never the chatter.
  await user.waitForMessage((m) => fromBot(m) && m.body === "user: “join” is for Herald's admins only.");
  expect(user.messages.filter((m) => fromBot(m) && m.body.includes("good morning"))).toHaveLength(0);
});

test("a personal subscription delivers new posts by direct message", async () => {
  expect(await ask(user, "subscribe xsf")).toBe("Subscribed: I will send you new posts from xsf. “unsubscribe xsf” stops them.");
  expect(await ask(user, "subscriptions")).toBe("Your subscriptions: xsf.");
  feeds.publish("/xsf.atom", makePost("Personal delivery works"));
  const dm = await user.waitForMessage((m) => m.type === "chat" && m.body.startsWith("*Personal delivery works*"));
  expect(dm.from.startsWith(`${BOT}/`)).toBe(true);
});

test("one sender's command flood does not stop another user's answers", async () => {
  const flood = Array.from({ length: 40 }, (_, i) => stranger.sendChat(BOT, `status ${i}`));
  await Promise.all(flood);
  expect(await ask(user, "latest 1")).toMatch(/^\*Personal delivery works\*/);
  // The flooder is told once to slow down, not answered forty times.
  await stranger.waitForMessage((m) => m.type === "chat" && m.body.startsWith("You are sending commands faster"));
  expect(await ask(user, "status")).toMatch(/^Herald/);
  expect(stranger.messages.filter((m) => m.type === "chat" && m.body.startsWith("Herald ")).length).toBeLessThan(40);
});

test("an admin adds a feed and a room at runtime; both survive a restart", async () => {
  const room = "newroom@conference.localhost";
  await admin.joinRoom(room, "admin");
  expect(await ask(admin, `feed add other ${feeds.url("/other.atom")} 1m`)).toMatch(/^Added other \(“Test blog \/other.atom”\): 1 posts there now, none announced/);
  expect(await ask(admin, `feed add broken ${feeds.url("/missing.atom")}`)).toMatch(/^Not added: http:\/\/127\.0\.0\.1:\d+\/missing\.atom could not be read as a feed \(HTTP 404 Not Found\)\.$/);
  expect(await ask(admin, `join ${room}`)).toBe(`Joined ${room} as Herald. “room ${room} add <feed>” makes it announce a feed.`);
  expect(await ask(admin, `room ${room} add other`)).toBe(`${room} now announces other (new posts from now on).`);
  expect(await ask(admin, `room ${room} set template 📰 {title}\\n{link}`)).toContain('template "📰 {title}\\n{link}"');
  expect(await ask(admin, `room ${room} set template {titel}`)).toMatch(/^Template not set: unknown placeholder \{titel\}/);

  expect(await bot.stop()).toBe(0);
  bot = BotProcess.run(configPath);
  await bot.waitForMsg("joined room", { room });
  BOT_FULL = await bot.fullJid();
  expect(await ask(admin, "rooms")).toContain(`${room} (joined): feeds other; summary 300 characters; mute off; template "📰 {title}\\n{link}"`);

  feeds.publish("/other.atom", makePost("Runtime feed post"));
  // The runtime feed is checked every minute; an admin can ask for a check now.
  expect(await ask(admin, "feed poll other")).toBe("other: 1 new posts, 1 announcements queued.");
  const announced = await admin.waitForMessage((m) => m.from === `${room}/Herald` && m.body.startsWith("📰 Runtime feed post"));
  expect(announced.body).toBe("📰 Runtime feed post\nhttps://blog.example.org/runtime-feed-post/");
});

test("an admin's invitation is accepted and remembered; a stranger's is declined and the admins told", async () => {
  const invited = "invited@conference.localhost";
  await admin.joinRoom(invited, "admin");
  await admin.client.send(xml("message", { to: BOT }, xml("x", { xmlns: "jabber:x:conference", jid: invited })));
  await admin.waitForOccupant(invited, "Herald");

  const unwanted = "unwanted@conference.localhost";
  await stranger.joinRoom(unwanted, "stranger");
  // XEP-0045 §7.8.2: a mediated invitation goes through the room.
  await stranger.client.send(xml("message", { to: unwanted }, xml("x", { xmlns: "http://jabber.org/protocol/muc#user" }, xml("invite", { to: BOT }))));
  // The room hides real addresses, so the inviter is only a nick: never trusted as an admin.
  // Prosody names the inviter by nick in a room that hides addresses; ejabberd by real JID.
  await admin.waitForMessage(
    (m) => m.type === "chat" && new RegExp(`^(someone|“stranger”) in ${unwanted} \\(the room hides their address\\) invited me to ${unwanted}; I declined\\.|^stranger@localhost invited me to ${unwanted}; I declined\\.`).test(m.body),
  );
  // A direct invitation comes from the stranger's own verified address.
  await stranger.client.send(xml("message", { to: BOT }, xml("x", { xmlns: "jabber:x:conference", jid: unwanted })));
  await admin.waitForMessage((m) => m.type === "chat" && m.body.startsWith(`stranger@localhost invited me to ${unwanted}; I declined.`));
  await stranger.waitForMessage((m) => m.type === "chat" && m.body.startsWith("Only Herald's admins can invite me into rooms"));
  expect(stranger.occupants(unwanted).has("Herald")).toBe(false);
  expect(await ask(admin, "rooms")).toContain(`${invited} (joined)`);
});

test("disco#info says client/bot with ad-hoc commands; XEP-0092 gives the version", async () => {
  const info = await user.client.iqCaller.request(xml("iq", { type: "get", to: BOT_FULL }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" })));
  const query = info.getChild("query")!;
  expect(query.getChild("identity")!.attrs).toMatchObject({ category: "client", type: "bot", name: "Herald" });
  expect(query.getChildren("feature").map((f) => f.attrs.var)).toEqual(expect.arrayContaining(["http://jabber.org/protocol/commands", "jabber:iq:version"]));
  const version = await user.client.iqCaller.request(xml("iq", { type: "get", to: BOT_FULL }, xml("query", { xmlns: "jabber:iq:version" })));
  expect(version.getChild("query")!.getChildText("name")).toBe("Herald");
});

test("ad-hoc commands: users see only theirs; an admin configures a room through its form", async () => {
  const list = async (who: Member) => {
    const r = await who.client.iqCaller.request(xml("iq", { type: "get", to: BOT_FULL }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items", node: "http://jabber.org/protocol/commands" })));
    return r.getChild("query")!.getChildren("item").map((i) => i.attrs.node);
  };
  expect(await list(user)).toEqual(["latest"]);
  expect(await list(admin)).toEqual(expect.arrayContaining(["latest", "join", "leave", "feed-add", "feed-remove", "room-config"]));

  const execute = (who: Member, node: string, extra: Record<string, string> = {}, ...children: Element[]) =>
    who.client.iqCaller.request(xml("iq", { type: "set", to: BOT_FULL }, xml("command", { xmlns: "http://jabber.org/protocol/commands", node, ...extra }, ...children)));
  const submit = (fields: Record<string, string[]>) =>
    xml("x", { xmlns: "jabber:x:data", type: "submit" }, ...Object.entries(fields).map(([v, values]) => xml("field", { var: v }, ...values.map((value) => xml("value", {}, value)))));

  // A stranger cannot run an admin command, even knowing its node.
  await expect(execute(stranger, "room-config")).rejects.toMatchObject({ condition: "forbidden" });

  const step1 = (await execute(admin, "room-config")).getChild("command")!;
  expect(step1.attrs.status).toBe("executing");
  const sessionid = step1.attrs.sessionid!;
  const step2 = (await execute(admin, "room-config", { sessionid, action: "complete" }, submit({ room: [LOBBY] }))).getChild("command")!;
  const form = step2.getChild("x", "jabber:x:data")!;
  const feedsField = form.getChildren("field").find((f) => f.attrs.var === "feeds")!;
  expect(feedsField.attrs.type).toBe("list-multi");
  expect(feedsField.getChildren("value").map((v) => v.text())).toEqual(["xsf"]);
  expect(feedsField.getChildren("option").map((o) => o.getChildText("value"))).toEqual(expect.arrayContaining(["xsf", "other"]));

  const done = (await execute(admin, "room-config", { sessionid, action: "complete" }, submit({ feeds: ["xsf", "other"], summary: ["120"], mute: ["0"], template: [] }))).getChild("command")!;
  expect(done.attrs.status).toBe("completed");
  expect(done.getChildText("note")).toBe(`Saved ${LOBBY}: feeds xsf, other; summary 120; mute off; template default; filter none; media none.`);
  expect(await ask(admin, `room ${LOBBY}`)).toBe(`${LOBBY}: feeds xsf, other; summary 120 characters; mute off; template default`);

  // "latest" through the form, as a user.
  const latest = (await execute(user, "latest")).getChild("command")!;
  const result = (await execute(user, "latest", { sessionid: latest.attrs.sessionid!, action: "complete" }, submit({ feed: ["xsf"], count: ["1"] }))).getChild("command")!;
  expect(result.getChildText("note")).toMatch(/^\*Personal delivery works\*/);
});

test("an admin pastes a blog's home page: Herald follows its feed link, says which, and watches the feed", async () => {
  feeds.setFeed("/home-blog.atom", "atom", [makePost("Home blog hello")]);
  feeds.setPage(
    "/home-blog/",
    `<!doctype html><html><head><title>Home blog</title>
      <link rel="alternate" type="application/rss+xml" title="Comments" href="/home-blog/comments.rss">
      <link rel="alternate" type="application/atom+xml" title="Posts" href="/home-blog.atom">
    </head><body>Hello</body></html>`,
  );
  const reply = await ask(admin, `feed add homeblog ${feeds.url("/home-blog/")}`);
  expect(reply.split("\n")).toEqual([
    `${feeds.url("/home-blog/")} is a web page that links to 2 feeds; using ${feeds.url("/home-blog.atom")} (Atom, “Posts”); also: ${feeds.url("/home-blog/comments.rss")} (RSS, “Comments”).`,
    expect.stringMatching(/^Added homeblog \(“Test blog \/home-blog.atom”\): 1 posts there now, none announced/),
  ]);
  // What is watched is the feed, not the page.
  expect(await ask(admin, "feeds")).toContain(feeds.url("/home-blog.atom"));
  expect(await ask(admin, "feed remove homeblog")).toBe("Removed homeblog.");
});
