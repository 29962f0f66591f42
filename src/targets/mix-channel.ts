import { EventEmitter } from "node:events";
import type { Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import type { RoomMessage } from "../xmpp/muc-stanzas.js";
import { channelMessage, clientJoinIq, discoInfoIq, featuresOf, NS_MIX_CORE, NS_MIX_PAM, parseChannelMessage, type ChannelMessage } from "../xmpp/mix-stanzas.js";
import { createProofWaits } from "./proofs.js";
import { createRefusalBackoff } from "./backoff.js";
import type { DeliveryOutcome, TargetChannel } from "./target.js";

/** A MIX channel Herald serves: its bare JID and the nick it joins with. */
export interface MixChannelSettings {
  readonly channel: string;
  readonly nick?: string | undefined;
}

export interface MixChannelDeps {
  /** Sends an iq and resolves with the result; rejects with xmpp.js's StanzaError, a timeout, or when offline. */
  readonly request: (iq: Element) => Promise<Element>;
  readonly send: (stanza: Element) => Promise<void>;
  /** The bot's own bare JID. */
  readonly ownJid: () => string;
  readonly channels: () => readonly MixChannelSettings[];
  readonly defaultNick: string;
  readonly online: () => boolean;
  /** Tells the admins something a person must act on. */
  readonly notifyAdmins: (text: string) => void;
  /** How long to wait for the channel's copy of a message before leaving it for the next session. */
  readonly reflectTimeoutMs?: number;
  /** Backoff for refusals and failed joins: first delay and the longest. */
  readonly retryMs?: { readonly first: number; readonly max: number };
  readonly log?: Logger;
}

export interface MixEvents {
  /** A participant's message (not ours, not history), in the shape of a room's, with their bare JID. */
  message: [message: RoomMessage, realJid: string | undefined];
}

export type MixChannels = ReturnType<typeof createMixChannels>;

const describe = (error: ChannelMessage["error"]) => (error ? `${error.condition}${error.text ? `: ${error.text}` : ""}` : "an error without a reason");

/**
 * MIX channels (XEP-0369) as targets, joined through the bot's own server (XEP-0405) at the start
 * of every session: a participant stays one across the service's restarts, and joining again is
 * harmless. The proof of delivery is the channel's copy of the message to its sender, which
 * carries our id as <submission-id/> (XEP-0369 §7.1.4); the id the channel gave it is the one
 * participants know. Participants' messages come out as `message` events, shaped like a room's,
 * so a channel answers the same reading commands a room does.
 */
export function createMixChannels(deps: MixChannelDeps) {
  const backoffs = createRefusalBackoff(deps.retryMs);
  const events = new EventEmitter<MixEvents>();
  const joined = new Map<string, string>();
  const proofs = createProofWaits(deps.reflectTimeoutMs ?? 15_000);
  const told = new Set<string>();
  const joinTimers = new Map<string, NodeJS.Timeout>();
  const readyListeners: ((channel: string) => void)[] = [];
  let stopped = false;
  /** Set once the server was found to offer MIX (missingSupport): no join is tried before. */
  let supported = false;

  const settingsOf = (channel: string) => deps.channels().find((c) => c.channel === channel);

  async function join(channel: string): Promise<void> {
    clearTimeout(joinTimers.get(channel));
    joinTimers.delete(channel);
    const settings = settingsOf(channel);
    if (stopped || !deps.online() || settings === undefined) return;
    const nick = settings.nick ?? deps.defaultNick;
    try {
      await deps.request(clientJoinIq(deps.ownJid(), channel, nick));
    } catch (err) {
      const condition = (err as { condition?: string }).condition;
      const reason = condition ? `${condition}${(err as { text?: string }).text ? `: ${(err as { text?: string }).text}` : ""}` : err instanceof Error ? err.message : String(err);
      const retryInMs = backoffs.next(channel);
      deps.log?.warn({ channel, reason, retryInMs: Math.round(retryInMs) }, "could not join MIX channel");
      if (condition !== undefined && !told.has(channel)) {
        told.add(channel);
        deps.notifyAdmins(`I cannot join the MIX channel ${channel}: ${reason}. Its announcements wait; I try again now and then.`);
      }
      if (!stopped) joinTimers.set(channel, setTimeout(() => void join(channel), retryInMs));
      return;
    }
    joined.set(channel, nick);
    backoffs.reset(channel);
    if (told.delete(channel)) deps.notifyAdmins(`I joined the MIX channel ${channel}.`);
    deps.log?.info({ channel, nick }, "joined MIX channel");
    readyListeners.forEach((l) => l(channel));
  }

  function classify(channel: string, error: ChannelMessage["error"]): DeliveryOutcome {
    const said = describe(error);
    if (error?.type === "wait") return { kind: "retry", afterMs: backoffs.next(channel), reason: `the channel asks me to wait (${said})` };
    if (error?.condition === "forbidden") {
      // XEP-0369 §7.1.4: only participants may post; the channel forgot us: join again.
      joined.delete(channel);
      void join(channel);
      return { kind: "retry", afterMs: backoffs.next(channel), reason: `the channel says I am not a participant (${said})` };
    }
    return { kind: "retry", afterMs: backoffs.next(channel), reason: `the channel refused the message (${said})` };
  }


  const target: TargetChannel = {
    kind: "mix",
    isReady: (channel) => deps.online() && joined.has(channel),
    onReady: (listener) => void readyListeners.push(listener),
    serves: (channel) => settingsOf(channel) !== undefined,
    // ejabberd's channels set no send rate; each message waits for its copy before the next.
    pace: async () => undefined,
    // Media are for rooms that ask for them (there is no setting for channels yet): the text alone.
    async deliver(channel, { text, replaces }, id) {
      if (!joined.has(channel)) throw new Error(`not in ${channel}`);
      const outcome = await proofs.proven(id, () => deps.send(channelMessage(channel, text, id, replaces)));
      if (outcome.kind === "delivered") backoffs.reset(channel);
      return outcome;
    },
    newSession() {
      // A new session is in no channel until it has joined again (after a restart the service
      // still knows us, but our server routes to sessions that joined through it).
      proofs.failAll();
      joined.clear();
      if (supported) for (const { channel } of deps.channels()) void join(channel);
    },
    stop() {
      stopped = true;
      for (const timer of joinTimers.values()) clearTimeout(timer);
      proofs.failAll();
    },
  };

  return {
    target,
    events,
    nickIn: (channel: string): string | undefined => joined.get(channel.toLowerCase()),
    /** Takes the channels' messages; false for any other stanza. */
    handleStanza(stanza: Element): boolean {
      const message = parseChannelMessage(stanza, new Set(deps.channels().map((c) => c.channel)));
      if (message === undefined) return false;
      const id = message.submissionId;
      if (message.error) {
        if (id !== undefined) proofs.settle(id, classify(message.channel, message.error));
        return true;
      }
      if (id !== undefined && proofs.settle(id, { kind: "delivered", stanzaId: message.id })) return true;
      // Our own messages (answers, announcements whose wait ended) and history are no commands.
      if (message.jid === deps.ownJid() || message.delayed || message.body === undefined) return true;
      events.emit(
        "message",
        { room: message.channel, nick: message.nick ?? "", body: message.body, id: message.id, originId: undefined, delayed: false, isError: false, error: undefined },
        message.jid,
      );
      return true;
    },
    /**
     * Whether the server offers what MIX channels need, asked once at start: MIX-CORE at each
     * channel's service and MIX-PAM at our own server. Returns the problem, naming the missing
     * feature, or undefined when everything is there.
     */
    async missingSupport(): Promise<string | undefined> {
      const channels = deps.channels();
      if (channels.length === 0) return undefined;
      const ask = async (to: string): Promise<Set<string> | string> => {
        try {
          return featuresOf(await deps.request(discoInfoIq(to)));
        } catch (err) {
          return (err as { condition?: string }).condition ?? (err instanceof Error ? err.message : String(err));
        }
      };
      const own = await ask(deps.ownJid());
      if (typeof own === "string" || !own.has(NS_MIX_PAM)) {
        return `the config lists MIX channels, but my server offers no MIX-PAM (XEP-0405, feature ${NS_MIX_PAM}${typeof own === "string" ? `; it answered ${own}` : ""}): remove mix: from the config or enable MIX on the server (ejabberd: mod_mix_pam)`;
      }
      for (const service of new Set(channels.map((c) => c.channel.split("@")[1]!))) {
        const features = await ask(service);
        if (typeof features === "string" || !features.has(NS_MIX_CORE)) {
          return `the config lists MIX channels at ${service}, but it offers no MIX (XEP-0369, feature ${NS_MIX_CORE}${typeof features === "string" ? `; it answered ${features}` : ""}): remove them from mix: or enable MIX there (ejabberd: mod_mix)`;
        }
      }
      supported = true;
      for (const { channel } of channels) if (!joined.has(channel)) void join(channel);
      return undefined;
    },
  };
}
