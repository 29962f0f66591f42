import { xml, type Element } from "@xmpp/client";
import { createMixChannels } from "../../../src/targets/mix-channel.js";

const CHANNEL = "news@mix.example.org";
const NS_MIX0 = "urn:xmpp:mix:core:0";
const features = (...vars: string[]) => xml("iq", { type: "result" }, xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }, ...vars.map((v) => xml("feature", { var: v }))));

/** A server that offers (or not) MIX, answers joins, and records what the bot sent. */
function setup(offers: { pam: boolean; core: boolean }) {
  const sent: Element[] = [];
  const told: string[] = [];
  const mix = createMixChannels({
    request: async (iq) => {
      if (iq.getChild("query")) {
        if (iq.attrs.to === "herald@example.org") return features(...(offers.pam ? ["urn:xmpp:mix:pam:2"] : []));
        if (!offers.core) throw Object.assign(new Error("service-unavailable"), { condition: "service-unavailable" });
        return features("urn:xmpp:mix:core:1");
      }
      return xml("iq", { type: "result" });
    },
    send: async (stanza) => void sent.push(stanza),
    ownJid: () => "herald@example.org",
    channels: () => [{ channel: CHANNEL }],
    defaultNick: "Herald",
    online: () => true,
    notifyAdmins: (text) => void told.push(text),
  });
  return { mix, sent, told };
}
const joinedOnce = (mix: ReturnType<typeof setup>["mix"]) => new Promise<string>((resolve) => mix.target.onReady(resolve));

test("a server without MIX-PAM or MIX-CORE is named as such, and nothing is joined", async () => {
  expect(await setup({ pam: false, core: true }).mix.missingSupport()).toMatch(/offers no MIX-PAM \(XEP-0405, feature urn:xmpp:mix:pam:2\)/);
  const noCore = setup({ pam: true, core: false });
  expect(await noCore.mix.missingSupport()).toMatch(/at mix\.example\.org, but it offers no MIX \(XEP-0369, feature urn:xmpp:mix:core:1; it answered service-unavailable\)/);
  expect(noCore.mix.target.isReady(CHANNEL)).toBe(false);
});

test("joined, a message counts as delivered on the channel's copy carrying our submission id", async () => {
  const { mix, sent } = setup({ pam: true, core: true });
  const ready = joinedOnce(mix);
  expect(await mix.missingSupport()).toBeUndefined();
  expect(await ready).toBe(CHANNEL);
  const outcome = mix.target.deliver(CHANNEL, { text: "*Post*" }, "herald-1-x");
  await Promise.resolve();
  expect(sent[0]!.attrs).toMatchObject({ to: CHANNEL, type: "groupchat", id: "herald-1-x" });
  const copy = xml("message", { from: `${CHANNEL}/me`, type: "groupchat", id: "777" }, xml("mix", { xmlns: NS_MIX0 }, xml("submission-id", {}, "herald-1-x"), xml("jid", {}, "herald@example.org")), xml("body", {}, "*Post*"));
  expect(mix.handleStanza(copy)).toBe(true);
  expect(await outcome).toEqual({ kind: "delivered", stanzaId: "777" });
});

test("a participant's message comes out like a room's; our own and history do not", async () => {
  const { mix } = setup({ pam: true, core: true });
  const heard: [string, string | undefined][] = [];
  mix.events.on("message", (m, jid) => heard.push([`${m.room} ${m.nick}: ${m.body}`, jid]));
  const from = (jid: string, body: string, ...extra: Element[]) =>
    xml("message", { from: `${CHANNEL}/p`, type: "groupchat", id: "1" }, xml("mix", { xmlns: NS_MIX0 }, xml("nick", {}, "reader"), xml("jid", {}, jid)), xml("body", {}, body), ...extra);
  mix.handleStanza(from("reader@example.org", "!latest"));
  mix.handleStanza(from("herald@example.org", "reader: nothing yet"));
  mix.handleStanza(from("reader@example.org", "old", xml("delay", { xmlns: "urn:xmpp:delay", stamp: "2020-01-01T00:00:00Z" })));
  expect(heard).toEqual([[`${CHANNEL} reader: !latest`, "reader@example.org"]]);
  expect(mix.handleStanza(xml("message", { from: "someone@example.org/x", type: "chat" }))).toBe(false);
});
