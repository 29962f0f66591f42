// MIX channels (XEP-0369) as targets. Where the server has no MIX (Prosody 0.12, or ejabberd
// without mod_mix) a config naming a channel is refused at start, naming the missing feature. On
// ejabberd with mod_mix, a second client in the channel sees the bot join, announce new posts,
// correct a retitled one, answer a reading command, and go on announcing after the server restarted.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xml } from "@xmpp/client";
import { serverKind, startServer, type XmppServer } from "./harness/server.js";
import { connectMember, type Member, type MessageRecord } from "./harness/member.js";
import { FeedServer, makePost } from "./harness/feed-server.js";
import { BotProcess, writeConfig } from "./harness/bot.js";

const BOT = "herald@localhost";
const MIX = "mix.localhost";
const CHANNEL = `news@${MIX}`;
let feeds: FeedServer;

function botConfig(server: XmppServer, dir: string): string {
  return writeConfig(
    {
      xmpp: { jid: BOT, password: "bot-pw", service: server.service, resource: `mix-${process.pid}` },
      nick: "Herald",
      admins: ["reader@localhost"],
      store: join(dir, "herald.db"),
      feeds: [{ name: "blog", url: feeds.url("/blog.atom"), interval: "1s" }],
      mix: [{ channel: CHANNEL, feeds: ["blog"] }],
    },
    dir,
  );
}

beforeAll(async () => {
  feeds = new FeedServer();
  await feeds.start();
  feeds.setFeed("/blog.atom", "atom", [makePost("Before the channel")]);
});

afterAll(async () => {
  await feeds?.stop();
});

test("a config with a MIX channel is refused at start where the server has no MIX, naming what is missing", async () => {
  const server = await startServer({ users: { herald: "bot-pw" } });
  try {
    const bot = BotProcess.run(botConfig(server, mkdtempSync(join(tmpdir(), "herald-nomix-"))));
    expect(await bot.exited).toBe(1);
    expect(bot.stderr).toMatch(/^herald: the config lists MIX channels.* offers no MIX(-PAM)? \(XEP-0(369|405), feature urn:xmpp:mix:(core:1|pam:2)/m);
    expect(bot.stderr).toContain("remove");
  } finally {
    await server.cleanup();
  }
});

// MIX exists on ejabberd only (mod_mix); Prosody has none, which the test above covers.
if (serverKind() === "ejabberd") {
  describe("a MIX channel on ejabberd", () => {
    let server: XmppServer;
    let reader: Member;
    let bot: BotProcess;
    const fromBot = (m: MessageRecord) => m.type === "groupchat" && m.from.startsWith(`${CHANNEL}/`) && m.stanza.getChild("mix")?.getChildText("jid") === BOT;
    const announced = (title: string) => reader.messages.filter((m) => fromBot(m) && m.body.startsWith(`*${title}*`));

    /** XEP-0405 §5.1: the reader joins through her own server, as a MIX client does. */
    const joinChannel = () =>
      reader.client.iqCaller.request(
        xml(
          "iq",
          { type: "set", to: "reader@localhost" },
          xml(
            "client-join",
            { xmlns: "urn:xmpp:mix:pam:2", channel: CHANNEL },
            xml("join", { xmlns: "urn:xmpp:mix:core:1" }, xml("subscribe", { node: "urn:xmpp:mix:nodes:messages" }), xml("nick", {}, "reader")),
          ),
        ),
      );

    beforeAll(async () => {
      server = await startServer({ users: { herald: "bot-pw", reader: "reader-pw" }, mix: MIX });
      reader = await connectMember({ server, username: "reader", password: "reader-pw" });
      // XEP-0369 §7.3.2: the reader creates the channel.
      await reader.client.iqCaller.request(xml("iq", { type: "set", to: MIX }, xml("create", { xmlns: "urn:xmpp:mix:core:1", channel: "news" })));
      await joinChannel();
      bot = BotProcess.run(botConfig(server, mkdtempSync(join(tmpdir(), "herald-mix-"))));
      await bot.waitForMsg("joined MIX channel", { channel: CHANNEL });
      await bot.waitForMsg("polled", { feed: "blog", result: "baseline" });
    });

    afterAll(async () => {
      await bot?.kill();
      await reader?.stop();
      await server?.cleanup();
    });

    test("a new post is announced in the channel once; the first read announced nothing", async () => {
      feeds.publish("/blog.atom", makePost("Channels are here"));
      const message = await reader.waitForMessage((m) => fromBot(m) && m.body.startsWith("*Channels are here*"));
      expect(message.body).toContain("https://blog.example.org/channels-are-here/");
      // Counted as sent on the channel's copy, under the id the channel gave it.
      const sent = await bot.waitForLog((l) => l.msg === "announced" && l.kind === "mix" && l.title === "Channels are here");
      expect(sent.target).toBe(CHANNEL);
      expect(announced("Channels are here")).toHaveLength(1);
      expect(announced("Before the channel")).toEqual([]);
    });

    test("a retitled post is corrected in the channel (XEP-0308), naming the message as the reader got it", async () => {
      const post = makePost("Channel corection");
      feeds.publish("/blog.atom", post);
      const original = await reader.waitForMessage((m) => fromBot(m) && m.body.startsWith("*Channel corection*"));
      await bot.waitForLog((l) => l.msg === "announced" && l.kind === "mix" && l.title === "Channel corection");
      feeds.rewrite("/blog.atom", (p) => (p.id === post.id ? { ...p, title: "Channel correction" } : p));
      const fixed = await reader.waitForMessage((m) => fromBot(m) && m.body.startsWith("*Channel correction*"));
      expect(fixed.stanza.getChild("replace", "urn:xmpp:message-correct:0")?.attrs.id).toBe(original.stanza.attrs.id);
    });

    test("the channel gets the same reading commands as a room", async () => {
      await reader.client.send(xml("message", { type: "groupchat", to: CHANNEL, id: "ask-latest" }, xml("body", {}, "!latest")));
      const answer = await reader.waitForMessage((m) => fromBot(m) && m.body.startsWith("reader: "));
      expect(answer.body).toContain("Channels are here");
    });

    test("after a server restart the bot is back in the channel and announces the next post", async () => {
      const sessions = reader.sessions;
      // Counted before the restart: the bot may be back in the channel before the reader is.
      const since = bot.logs.length;
      await server.restart();
      await reader.waitForSession(sessions + 1, 30_000);
      await bot.waitForLog((l) => l.msg === "joined MIX channel", since, 60_000);
      feeds.publish("/blog.atom", makePost("After the restart"));
      await reader.waitForMessage((m) => fromBot(m) && m.body.startsWith("*After the restart*"), 30_000);
      await bot.waitForLog((l) => l.msg === "announced" && l.kind === "mix" && l.title === "After the restart");
      expect(announced("After the restart")).toHaveLength(1);
      expect(announced("Channels are here")).toHaveLength(1);
    }, 90_000);
  });
}
