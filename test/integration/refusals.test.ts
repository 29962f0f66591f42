// Rooms that refuse the bot's messages, and what happens when they stop refusing, all within one
// XMPP session: a moderated room where voice comes later, a members-only room where membership
// comes later, and a room that answers "wait". Real server, a real owner client, real bot.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { serverKind, startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const MODERATED = "hushed@conference.localhost";
const CLOSED = "closed@conference.localhost";
const BUSY = "busy@conference.localhost";
let server: XmppServer;
let feeds: FeedServer;
let owner: Member; // an admin of the bot, and owner of the rooms she creates
let bot: BotProcess;

const fromBot = (room: string) => (m: MessageRecord) => m.type === "groupchat" && m.from === `${room}/Herald` && !m.delayed;
const titles = (room: string) => owner.messages.filter(fromBot(room)).map((m) => m.body.split("\n")[0]!);
const mucSet = (room: string, ns: string, ...children: ReturnType<typeof xml>[]) =>
  owner.client.iqCaller.request(xml("iq", { type: "set", to: room }, xml("query", { xmlns: ns }, ...children)));
const configure = (room: string, fields: Record<string, string>) =>
  mucSet(
    room,
    "http://jabber.org/protocol/muc#owner",
    xml(
      "x",
      { xmlns: "jabber:x:data", type: "submit" },
      xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
      ...Object.entries(fields).map(([name, value]) => xml("field", { var: name }, xml("value", {}, value))),
    ),
  );

async function ask(text: string): Promise<string> {
  const before = owner.messages.length;
  await owner.sendChat(BOT, text);
  const reply = await owner.waitForMessage(
    (m) => owner.messages.indexOf(m) >= before && m.type === "chat" && m.from.startsWith(`${BOT}/`) && !/^(I cannot join|Room \S+ has refused|\S+ accepts my)/.test(m.body),
  );
  return reply.body;
}

beforeAll(async () => {
  // Rooms make an occupant wait a second between messages: ejabberd's min_message_interval, and
  // the same rule on Prosody (harness/prosody-modules).
  server = await startServer({ users: { herald: "bot-pw", owner: "owner-pw" }, minMessageIntervalS: 1 });
  feeds = new FeedServer();
  await feeds.start();
  for (const name of ["hushed", "closed", "busy"]) feeds.setFeed(`/${name}.atom`, "atom", [makePost(`${name} before`)]);
  owner = await connectMember({ server, username: "owner", password: "owner-pw" });
  for (const room of [MODERATED, CLOSED, BUSY]) await owner.joinRoom(room, "owner");
  // ejabberd gives every newcomer voice unless members_by_default is off; Prosody ignores the field.
  await configure(MODERATED, { "muc#roomconfig_moderatedroom": "1", members_by_default: "0" });
  await configure(CLOSED, { "muc#roomconfig_membersonly": "1" });
  const dir = mkdtempSync(join(tmpdir(), "herald-refusals-"));
  const config = writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `refusals-${process.pid}` },
      nick: "Herald",
      admins: ["owner@localhost"],
      store: join(dir, "herald.db"),
      feeds: ["hushed", "closed", "busy"].map((name) => ({ name, url: feeds.url(`/${name}.atom`), interval: "1s" })),
      rooms: [
        { jid: MODERATED, feeds: ["hushed"] },
        { jid: CLOSED, feeds: ["closed"] },
        { jid: BUSY, feeds: ["busy"] },
      ],
    },
    dir,
  );
  bot = BotProcess.run(config);
  for (const feed of ["hushed", "closed", "busy"]) await bot.waitForMsg("polled", { feed, result: "baseline" });
  await owner.waitForOccupant(MODERATED, "Herald");
  await owner.waitForOccupant(BUSY, "Herald");
});

afterAll(async () => {
  await bot?.kill();
  await owner?.stop();
  await feeds?.stop();
  await server?.cleanup();
});

test("a moderated room where the bot has no voice: posts wait, status says why; voice granted, they come in order", async () => {
  // XEP-0045 §7.2.1: a non-member entering a moderated room is a visitor, without voice.
  expect((await owner.waitForOccupant(MODERATED, "Herald")).role).toBe("visitor");
  feeds.publish("/hushed.atom", makePost("Hushed one"));
  feeds.publish("/hushed.atom", makePost("Hushed two"));
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "hushed" && l.result === "new");
  const status = await ask("status");
  expect(status).toContain(`2 for ${MODERATED}: I have no voice in this moderated room`);
  expect(titles(MODERATED)).toEqual([]);

  // XEP-0045 §8.3: a moderator grants voice; the room tells the bot its new role.
  await mucSet(MODERATED, "http://jabber.org/protocol/muc#admin", xml("item", { nick: "Herald", role: "participant" }));
  await owner.waitForMessage(() => titles(MODERATED).length >= 2);
  expect(titles(MODERATED)).toEqual(["*Hushed one*", "*Hushed two*"]);
  // The bot counts the second as sent once the room reflected it (the member may see it first).
  await bot.waitForMsg("announced", { title: "Hushed two" });
  expect(await ask("status")).not.toContain(MODERATED);
});

test("a members-only room: the admin is told once; made a member and invited, the bot joins and delivers what waited", async () => {
  const told = await owner.waitForMessage((m) => m.type === "chat" && m.body.startsWith(`I cannot join ${CLOSED}: registration-required`));
  expect(told.body).toContain("Make me a member there");
  feeds.publish("/closed.atom", makePost("Closed news"));
  await bot.waitForLog((l) => l.msg === "polled" && l.feed === "closed" && l.result === "new");
  expect(await ask("status")).toContain(`1 for ${CLOSED}: the room is members-only and I am not a member`);

  // XEP-0045 §9.3: the owner makes the bot a member, then invites it (XEP-0249).
  await mucSet(CLOSED, "http://jabber.org/protocol/muc#admin", xml("item", { jid: BOT, affiliation: "member" }));
  await owner.client.send(xml("message", { to: BOT }, xml("x", { xmlns: "jabber:x:conference", jid: CLOSED })));
  await owner.waitForMessage(() => titles(CLOSED).length >= 1);
  expect(titles(CLOSED)).toEqual(["*Closed news*"]);
  expect(owner.messages.filter((m) => m.type === "chat" && m.body.startsWith(`I cannot join ${CLOSED}`))).toHaveLength(1);
});

test("a room that answers wait gets every post once and in order, the refused ones again after a pause", async () => {
  const names = ["Busy one", "Busy two", "Busy three", "Busy four"];
  for (const name of names) feeds.publish("/busy.atom", makePost(name, { published: new Date(Date.now() + names.indexOf(name)) }));
  await owner.waitForMessage(() => titles(BUSY).length >= 4, 60_000);
  // One read announces oldest first; the server made the bot wait between them.
  expect(titles(BUSY)).toEqual(names.map((n) => `*${n}*`));
  // Prosody (like mod_muc_limits) refuses a message sent too soon with a wait error; ejabberd's
  // min_message_interval holds one such message back instead and refuses only a second one, which
  // a bot that waits for each reflection never sends. So only Prosody shows the refusal itself.
  const refused = bot.logs.filter((l) => l.msg === "target refused announcement; will try again" && l.target === BUSY);
  if (serverKind() === "prosody") expect(refused.map((l) => String(l.reason))).toContainEqual(expect.stringMatching(/^the room asks me to wait \(policy-violation/));
  else expect(refused).toEqual([]);
});
