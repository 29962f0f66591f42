// A second real XMPP client for integration tests: a person in the room who watches what the bot says.
import { randomUUID } from "node:crypto";
import { client, jid, xml, type Client, type Element } from "@xmpp/client";
import type { XmppServer } from "./xmpp-server.js";

const NS_MUC = "http://jabber.org/protocol/muc";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";
const NS_DATA = "jabber:x:data";
const NS_DELAY = "urn:xmpp:delay";
const NS_STREAM = "http://etherx.jabber.org/streams";
const NS_SM = "urn:xmpp:sm:3";

const DEFAULT_TIMEOUT_MS = 20_000;
const REJOIN_ATTEMPTS = 5;
const REJOIN_PAUSE_MS = 500;

export interface MessageRecord {
  from: string;
  type: string;
  body: string;
  /** XEP-0203 <delay/>: room history or offline storage, not live. */
  delayed: boolean;
  stanza: Element;
}

export interface Occupant {
  /** Real JID, only when the room shows it to us (non-anonymous room, or we moderate). */
  jid?: string;
  role: string;
  affiliation: string;
}

export interface JoinOptions {
  password?: string;
  /** Ask for the room's usual history (default: none, XEP-0045 §7.2.14 maxstanzas=0). */
  history?: boolean;
}

export interface Member {
  /** Full JID of the current session. */
  readonly jid: string;
  readonly client: Client;
  /** Every message with a <body/> received so far, in order (groupchat, chat, normal, error). */
  readonly messages: MessageRecord[];
  /** Errors the client emitted and failed automatic rejoins, for diagnostics. */
  readonly errors: Error[];
  /** Number of sessions so far: 1 after connecting, +1 per reconnection. */
  readonly sessions: number;
  /** Joins and keeps the room joined: it is rejoined automatically on every new session. */
  joinRoom(room: string, nick: string, options?: JoinOptions): Promise<void>;
  leaveRoom(room: string): Promise<void>;
  /** Resolves when the room is joined in the current session (e.g. after an automatic rejoin). */
  waitForJoined(room: string, timeoutMs?: number): Promise<void>;
  waitForSession(session: number, timeoutMs?: number): Promise<void>;
  /** First message, already received or future, that matches; the timeout error lists what did arrive. */
  waitForMessage(predicate: (message: MessageRecord) => boolean, timeoutMs?: number): Promise<MessageRecord>;
  sendChat(to: string, body: string): Promise<void>;
  sendGroupchat(room: string, body: string): Promise<void>;
  /** Who is in the room now, by nick (a copy). */
  occupants(room: string): Map<string, Occupant>;
  waitForOccupant(room: string, nick: string, timeoutMs?: number): Promise<Occupant>;
  stop(): Promise<void>;
}

export interface MemberOptions {
  server: Pick<XmppServer, "service" | "domain">;
  username: string;
  password: string;
  resource?: string;
}

interface RoomState {
  room: string;
  nick: string;
  options: JoinOptions;
  /** Session in which we are joined; 0 when not joined. */
  joinedIn: number;
  occupants: Map<string, Occupant>;
  pending?: { resolve: (statusCodes: string[]) => void; reject: (error: Error) => void };
  lastError?: Error;
}

interface Waiter {
  poll: () => void;
  fail: (error: Error) => void;
}

export async function connectMember({ server, username, password, resource }: MemberOptions): Promise<Member> {
  const xmpp = client({
    service: server.service,
    domain: server.domain,
    // Two sessions with one resource would kick each other forever.
    resource: resource ?? `member-${randomUUID().slice(0, 8)}`,
    // xmpp.js never picks PLAIN over plain TCP on its own; SCRAM costs ~0.7 s per login against Prosody.
    credentials: async (authenticate, mechanisms) => {
      const mechanism = mechanisms.includes("PLAIN") ? "PLAIN" : mechanisms[0];
      if (!mechanism) throw new Error("No SASL mechanism offered");
      await authenticate({ username, password }, mechanism);
    },
  });
  const messages: MessageRecord[] = [];
  const errors: Error[] = [];
  const rooms = new Map<string, RoomState>();
  const waiters = new Set<Waiter>();
  let sessions = 0;

  const notify = () => [...waiters].forEach((waiter) => waiter.poll());

  function waitFor<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        poll: () => {
          try {
            const value = check();
            if (value === undefined) return;
            done();
            resolve(value);
          } catch (error) {
            waiter.fail(error as Error);
          }
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(`Timed out after ${timeoutMs} ms: ${describe()}`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      waiter.poll();
    });
  }

  function roomOf(address: string): RoomState | undefined {
    return address ? rooms.get(bare(address)) : undefined;
  }

  function onPresence(stanza: Element): void {
    const from = stanza.attrs.from ?? "";
    const state = roomOf(from);
    if (!state) return;
    const nick = jid(from).resource;

    if (stanza.attrs.type === "error") {
      const error = stanza.getChild("error");
      const condition = error?.getChildElements()[0]?.name ?? "unknown";
      const text = error?.getChildText("text") ?? "";
      state.pending?.reject(new Error(`Joining ${state.room} as ${state.nick} failed: ${condition} ${text}`.trim()));
      return;
    }

    const x = stanza.getChild("x", NS_MUC_USER);
    if (!x) return;
    const item = x.getChild("item");
    const codes = x.getChildren("status").map((status) => status.attrs.code ?? "");
    // XEP-0045 §7.2.2: status 110 marks presence about ourselves.
    const self = codes.includes("110");

    if (stanza.attrs.type === "unavailable") {
      state.occupants.delete(nick);
      if (self) {
        state.joinedIn = 0;
        state.occupants.clear();
      }
    } else {
      state.occupants.set(nick, {
        ...(item?.attrs.jid && { jid: item.attrs.jid }),
        role: item?.attrs.role ?? "none",
        affiliation: item?.attrs.affiliation ?? "none",
      });
      if (self) {
        state.nick = nick; // the room may have changed our nick (status 210)
        state.pending?.resolve(codes);
      }
    }
  }

  function onMessage(stanza: Element): void {
    const body = stanza.getChildText("body");
    if (body === null) return;
    messages.push({
      from: stanza.attrs.from ?? "",
      type: stanza.attrs.type ?? "normal",
      body,
      delayed: stanza.getChild("delay", NS_DELAY) !== undefined,
      stanza,
    });
  }

  xmpp.on("stanza", (stanza) => {
    if (stanza.is("presence")) onPresence(stanza);
    else if (stanza.is("message")) onMessage(stanza);
    notify();
  });

  // No XEP-0198 for the member: xmpp.js 0.14 resets its inbound counter only after an `await` once
  // <enabled/> arrives (and keeps the old session's count after a failed resumption), so an <r/> in the
  // same TCP read is answered with a too-high h and Prosody closes the stream ("Client acknowledged more
  // stanzas than sent by server"). Hiding the feature before the stream-features middleware sees it avoids that.
  xmpp.prependListener("element", (element: Element) => {
    if (!element.is("features", NS_STREAM)) return;
    element.children = element.children.filter((child) => typeof child === "string" || !child.is("sm", NS_SM));
  });

  // An unhandled "error" event would crash the test process; keep it for diagnostics instead.
  xmpp.on("error", (error) => errors.push(error));

  async function join(state: RoomState): Promise<void> {
    const session = sessions;
    state.joinedIn = 0;
    state.pending?.reject(new Error(`Join of ${state.room} superseded`));
    const selfPresence = new Promise<string[]>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        if (state.pending === pending) state.pending = undefined;
      };
      const pending = {
        resolve: (codes: string[]) => (settle(), resolve(codes)),
        reject: (error: Error) => (settle(), reject(error)),
      };
      const timer = setTimeout(
        () => pending.reject(new Error(`No self-presence from ${state.room} within ${DEFAULT_TIMEOUT_MS} ms`)),
        DEFAULT_TIMEOUT_MS,
      );
      state.pending = pending;
    });

    selfPresence.catch(() => {}); // awaited below; this only keeps a failed send() from leaving it unhandled

    const { password, history } = state.options;
    // XEP-0045 §7.2.1 (join), §7.2.5 (password), §7.2.14 (history).
    try {
      await xmpp.send(
        xml("presence", { to: `${state.room}/${state.nick}` },
          xml("x", { xmlns: NS_MUC },
            password !== undefined && xml("password", {}, password),
            !history && xml("history", { maxstanzas: 0 }))),
      );
    } catch (error) {
      state.pending?.reject(error as Error);
      throw error;
    }
    const codes = await selfPresence;

    // XEP-0045 §10.1.2: we created the room (status 201); it stays locked until we accept the
    // default configuration by submitting an empty form (an "instant room").
    if (codes.includes("201")) {
      await xmpp.iqCaller.request(
        xml("iq", { type: "set", to: state.room },
          xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: NS_DATA, type: "submit" }))),
      );
    }
    if (session === sessions) state.joinedIn = session;
    state.lastError = undefined;
    notify();
  }

  async function rejoin(state: RoomState, session: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await join(state);
      } catch (error) {
        state.lastError = error as Error;
        errors.push(new Error(`Rejoin of ${state.room} (attempt ${attempt}) failed: ${String(error)}`));
        if (attempt >= REJOIN_ATTEMPTS || session !== sessions || rooms.get(state.room) !== state) return;
        await new Promise((resolve) => setTimeout(resolve, REJOIN_PAUSE_MS));
      }
    }
  }

  // "online" fires for every new session (without XEP-0198, every reconnection is one).
  // A new session is not in any room: rejoin them, the library does not.
  xmpp.on("online", () => {
    sessions += 1;
    // RFC 6121 §4.2: initial presence, so messages to our bare JID are delivered, not stored offline.
    xmpp.send(xml("presence")).catch((error: Error) => errors.push(error));
    for (const state of rooms.values()) {
      state.joinedIn = 0;
      state.occupants.clear();
      void rejoin(state, sessions);
    }
    notify();
  });

  try {
    await xmpp.start();
  } catch (error) {
    // A failed first start leaves the reconnect loop (and, after SASL failure, the socket) running.
    xmpp.reconnect.stop();
    await xmpp.stop().catch(() => {});
    throw new Error(`Member ${username} could not connect to ${server.service}: ${String(error)}`);
  }

  const send = (to: string, type: string, body: string) =>
    xmpp.send(xml("message", { to, type, id: randomUUID() }, xml("body", {}, body)));

  return {
    get jid() {
      return xmpp.jid?.toString() ?? "";
    },
    client: xmpp,
    messages,
    errors,
    get sessions() {
      return sessions;
    },

    async joinRoom(room, nick, options = {}) {
      const key = bare(room);
      const state: RoomState = { room: key, nick, options, joinedIn: 0, occupants: new Map() };
      rooms.set(key, state);
      try {
        await join(state);
      } catch (error) {
        rooms.delete(key);
        throw error;
      }
    },

    async leaveRoom(room) {
      const state = roomOf(room);
      if (!state) return;
      rooms.delete(state.room);
      // XEP-0045 §7.14: unavailable presence to our occupant JID.
      await xmpp.send(xml("presence", { to: `${state.room}/${state.nick}`, type: "unavailable" }));
    },

    waitForJoined(room, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(
        () => {
          const state = roomOf(room);
          return state && state.joinedIn === sessions && xmpp.status === "online" ? true : undefined;
        },
        timeoutMs,
        () => `${room} not joined (session ${sessions}, status ${xmpp.status}; ` +
          `last error: ${roomOf(room)?.lastError?.message ?? "none"})`,
      ).then(() => undefined);
    },

    waitForSession(session, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(
        () => (sessions >= session && xmpp.status === "online" ? true : undefined),
        timeoutMs,
        () => `no session #${session} (have ${sessions}, status ${xmpp.status})`,
      ).then(() => undefined);
    },

    waitForMessage(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(
        () => messages.find(predicate),
        timeoutMs,
        () => `no matching message among ${messages.length} received:\n` +
          messages.map((m) => `  [${m.type} from ${m.from}${m.delayed ? ", delayed" : ""}] ${m.body}`).join("\n"),
      );
    },

    sendChat: (to, body) => send(to, "chat", body),
    sendGroupchat: (room, body) => send(bare(room), "groupchat", body),

    occupants(room) {
      return new Map(roomOf(room)?.occupants);
    },

    waitForOccupant(room, nick, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return waitFor(
        () => roomOf(room)?.occupants.get(nick),
        timeoutMs,
        () => `${nick} not in ${room}; occupants: ${[...(roomOf(room)?.occupants.keys() ?? [])].join(", ") || "none"}`,
      );
    },

    async stop() {
      rooms.clear();
      xmpp.reconnect.stop();
      for (const waiter of [...waiters]) waiter.fail(new Error("Member stopped"));
      await xmpp.stop().catch(() => {});
    },
  };
}

function bare(address: string): string {
  return jid(address).bare().toString();
}
