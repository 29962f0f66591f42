import type { StanzaError } from "../xmpp/muc-stanzas.js";
import { EventEmitter } from "node:events";
import type { Element } from "@xmpp/client";
import type { Logger } from "../log.js";
import { bareJid } from "../util/jid.js";
import {
  instantRoomForm,
  joinPresence,
  leavePresence,
  parseMucPresence,
  parseRoomMessage,
  type MucPresence,
  type RoomMessage,
} from "../xmpp/muc-stanzas.js";

export interface RoomSpec {
  readonly jid: string;
  readonly password?: string | undefined;
  readonly nick?: string | undefined;
}

export interface RoomEvents {
  joined: [room: string];
  left: [room: string];
  /** The room echoed our message back: it has it (XEP-0045 §7.2.14); `stanzaId` is its copy's id. */
  reflected: [room: string, originId: string, stanzaId?: string];
  /** The room bounced a message of ours, with the room's stanza error. */
  bounced: [room: string, id: string, error: StanzaError | undefined];
  /** Our own role or affiliation in a joined room, at the join and at every change (XEP-0045 §5). */
  self: [room: string, role: string | undefined, affiliation: string | undefined];
  /** A live message from another occupant (not history, not our own), with their real JID if the room shows it. */
  message: [message: RoomMessage, realJid: string | undefined];
  /** We stopped trying to join a room; a person must act. */
  failed: [room: string, reason: string];
  /**
   * The room is members-only and we are not a member (registration-required). We keep trying, at
   * `retryInMs` and whenever an admin asks again, since nothing tells a non-occupant that it was
   * made a member (XEP-0045 §9.3 notifies occupants only).
   */
  refused: [room: string, reason: string, retryInMs: number];
}

type Status = "idle" | "joining" | "joined" | "gave-up" | "members-only";

interface RoomState {
  spec: RoomSpec;
  status: Status;
  nick: string;
  nickAttempt: number;
  retries: number;
  timer: NodeJS.Timeout | undefined;
  /** Occupants by nick, with the real bare JID when the room shows it (non-anonymous rooms). */
  occupants: Map<string, string | undefined>;
  /** Our own role and affiliation while joined (XEP-0045 §5.1, §5.2). */
  role: string | undefined;
  affiliation: string | undefined;
  /** The admins were told the room refuses us (members-only); not again until we got in. */
  refusalTold: boolean;
}

export interface RoomManagerDeps {
  readonly send: (stanza: Element) => Promise<void>;
  readonly defaultNick: string;
  readonly log: Logger;
  readonly joinTimeoutMs?: number;
  readonly retryMs?: { readonly first: number; readonly max: number };
  /** How often to ask a members-only room again whether we are a member now. */
  readonly membershipRetryMs?: number;
}

/** How many fallback nicks to try after a conflict: Herald, Herald_, Herald_2, … */
const MAX_NICK_ATTEMPTS = 5;

// XEP-0045 error conditions on join that no retry fixes without a person acting.
const PERMANENT_JOIN_ERRORS = new Set(["forbidden", "not-authorized", "not-allowed", "jid-malformed"]);

export type RoomManager = ReturnType<typeof createRoomManager>;

/**
 * Joins the configured rooms on every new session and keeps track of which ones we are in.
 * Rooms are remembered by bare JID in lower case (XEP-0045 room JIDs are case-insensitive
 * in their local part as far as the service is concerned; RFC 7622 nodeprep).
 */
export function createRoomManager(deps: RoomManagerDeps) {
  const { log } = deps;
  const events = new EventEmitter<RoomEvents>();
  const rooms = new Map<string, RoomState>();
  const joinTimeoutMs = deps.joinTimeoutMs ?? 30_000;
  const retryFirst = deps.retryMs?.first ?? 5_000;
  const retryMax = deps.retryMs?.max ?? 300_000;
  const membershipRetryMs = deps.membershipRetryMs ?? 15 * 60_000;
  let online = false;
  /**
   * Rooms left whose leave could not be written (the link was down, the session resumable):
   * a resumed session is still in them, so the leave goes when it resumes (room → nick).
   */
  const unleft = new Map<string, string>();
  /** Set by leaveAll(): the server's answers to our own leave must not trigger rejoins. */
  let closing = false;
  let iqCounter = 0;

  function baseNick(state: RoomState): string {
    return state.spec.nick ?? deps.defaultNick;
  }

  function nickFor(state: RoomState): string {
    const base = baseNick(state);
    return state.nickAttempt === 0 ? base : state.nickAttempt === 1 ? `${base}_` : `${base}_${state.nickAttempt}`;
  }

  function clearTimer(state: RoomState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
  }

  function join(state: RoomState): void {
    if (!online) return;
    clearTimer(state);
    state.status = "joining";
    state.nick = nickFor(state);
    log.debug({ room: state.spec.jid, nick: state.nick }, "joining room");
    deps.send(joinPresence(state.spec.jid, state.nick, state.spec.password)).catch((err: unknown) => {
      log.warn({ room: state.spec.jid, err }, "could not send join");
    });
    // A join the room never answers (lost on a dying connection) is tried again.
    state.timer = setTimeout(() => {
      if (state.status === "joining") retryLater(state, "no answer to the join request");
    }, joinTimeoutMs);
  }

  function retryLater(state: RoomState, reason: string): void {
    clearTimer(state);
    state.status = "idle";
    const delay = Math.min(retryMax, retryFirst * 2 ** state.retries) * (0.8 + Math.random() * 0.4);
    state.retries++;
    log.warn({ room: state.spec.jid, reason, retryInMs: Math.round(delay) }, "will try the room again");
    state.timer = setTimeout(() => join(state), delay);
  }

  function giveUp(state: RoomState, reason: string): void {
    clearTimer(state);
    state.status = "gave-up";
    log.error({ room: state.spec.jid, reason }, "not joining this room until an admin acts");
    events.emit("failed", state.spec.jid, reason);
  }

  /** XEP-0045 §7.2.9 registration-required: not a member (yet); ask again now and then. */
  function waitForMembership(state: RoomState, reason: string): void {
    clearTimer(state);
    state.status = "members-only";
    log.warn({ room: state.spec.jid, reason, retryInMs: membershipRetryMs }, "not a member of this members-only room; will ask again");
    // Said once, not at every try; a join (or a change of config) resets it.
    if (!state.refusalTold) events.emit("refused", state.spec.jid, reason, membershipRetryMs);
    state.refusalTold = true;
    state.timer = setTimeout(() => join(state), membershipRetryMs);
  }

  function setLeft(state: RoomState): void {
    const wasJoined = state.status === "joined";
    state.status = "idle";
    state.role = undefined;
    state.affiliation = undefined;
    state.occupants.clear();
    if (wasJoined) events.emit("left", state.spec.jid);
  }

  function onPresence(p: MucPresence, state: RoomState): void {
    if (closing) return;
    const isSelf = p.codes.has("110") || p.nick === state.nick;
    if (p.type !== "error" && !isSelf) {
      // XEP-0045 §7.2.3: an occupant's real JID is in <item jid=.../> only when the room shows it to us.
      if (p.type === "unavailable" && !p.codes.has("303")) state.occupants.delete(p.nick);
      else if (p.type === "available") state.occupants.set(p.nick, (p.realJid === undefined ? undefined : bareJid(p.realJid)));
    }
    if (p.type === "error") {
      if (state.status !== "joining") return;
      if (p.errorCondition === "conflict" && state.nickAttempt + 1 < MAX_NICK_ATTEMPTS) {
        state.nickAttempt++;
        log.warn({ room: state.spec.jid, taken: state.nick, next: nickFor(state) }, "nick in use; trying a fallback nick");
        join(state);
      } else if (p.errorCondition === "registration-required") {
        waitForMembership(state, `registration-required${p.errorText ? `: ${p.errorText}` : ""} (the room is members-only and I am not a member)`);
      } else if (p.errorCondition && PERMANENT_JOIN_ERRORS.has(p.errorCondition)) {
        giveUp(state, `${p.errorCondition}${p.errorText ? `: ${p.errorText}` : ""}`);
      } else {
        retryLater(state, `${p.errorCondition ?? "error"}${p.errorText ? `: ${p.errorText}` : ""}`);
      }
      return;
    }
    if (!isSelf) return;
    if (p.type === "available") {
      if (p.codes.has("201")) {
        // XEP-0045 §10.1.2: we created the room and it stays locked until configured.
        // Not sent only when the connection just died; the next session joins (and creates) again.
        deps.send(instantRoomForm(state.spec.jid, `herald-room-${++iqCounter}`)).catch((err: unknown) => log.debug({ room: state.spec.jid, err }, "instant-room form not sent"));
        log.info({ room: state.spec.jid }, "created room with the default configuration");
      }
      const changed = state.role !== p.role || state.affiliation !== p.affiliation;
      state.role = p.role;
      state.affiliation = p.affiliation;
      if (state.status !== "joined") {
        clearTimer(state);
        state.status = "joined";
        state.retries = 0;
        state.refusalTold = false;
        state.nick = p.nick;
        log.info({ room: state.spec.jid, nick: p.nick, role: p.role, affiliation: p.affiliation }, "joined room");
        events.emit("self", state.spec.jid, p.role, p.affiliation);
        events.emit("joined", state.spec.jid);
      } else if (changed) {
        // XEP-0045 §8.4 (voice granted or revoked), §9.3 (membership): a new self-presence tells us.
        log.info({ room: state.spec.jid, role: p.role, affiliation: p.affiliation }, "our role or affiliation changed");
        events.emit("self", state.spec.jid, p.role, p.affiliation);
      }
      return;
    }
    // Our own unavailable presence: we are out of the room.
    if (p.codes.has("303")) return; // nick change, a new self-presence follows
    setLeft(state);
    if (p.codes.has("301")) giveUp(state, "banned from the room");
    else if (p.destroyed) giveUp(state, "the room was destroyed");
    else if (p.codes.has("321") || p.codes.has("322")) giveUp(state, "membership was removed or the room became members-only");
    else if (p.codes.has("332")) log.warn({ room: state.spec.jid }, "room service is shutting down; will rejoin on reconnect");
    else retryLater(state, p.codes.has("307") ? "kicked" : "removed from the room");
  }

  function onMessage(m: RoomMessage, state: RoomState): void {
    if (m.isError) {
      if (m.id) events.emit("bounced", state.spec.jid, m.id, m.error);
      return;
    }
    if (m.delayed) return; // XEP-0203 history: never act on what was said before we came.
    if (m.nick === state.nick) {
      if (m.originId) events.emit("reflected", state.spec.jid, m.originId, m.id);
      else if (m.id) events.emit("reflected", state.spec.jid, m.id, m.id);
      return;
    }
    if (m.nick && m.body !== undefined) events.emit("message", m, state.occupants.get(m.nick));
  }

  return {
    events,
    /** Replaces the set of rooms to be in. Rooms no longer listed are left. */
    setRooms(specs: readonly RoomSpec[]): void {
      const wanted = new Map(specs.map((s) => [s.jid.toLowerCase(), s]));
      for (const [jid, state] of rooms) {
        if (wanted.has(jid)) continue;
        clearTimer(state);
        // Also while joining: the room may still let us in after we forgot it.
        // A leave that cannot be sent needs no retry: without a connection we are in no room.
        if (online && (state.status === "joined" || state.status === "joining")) {
          const nick = state.nick;
          deps.send(leavePresence(jid, nick)).catch((err: unknown) => {
            unleft.set(jid, nick);
            log.debug({ room: jid, err }, "leave not sent; sent again if the session resumes");
          });
        }
        rooms.delete(jid);
        setLeft(state);
      }
      for (const [jid, spec] of wanted) {
        const existing = rooms.get(jid);
        if (existing) {
          const changed = existing.spec.nick !== spec.nick || existing.spec.password !== spec.password;
          existing.spec = { ...spec, jid };
          // A new nick or password, or an admin asking again after we gave up: try again now.
          if (changed || existing.status === "gave-up" || existing.status === "members-only") {
            existing.nickAttempt = 0;
            existing.retries = 0;
            join(existing);
          }
          continue;
        }
        const state: RoomState = { spec: { ...spec, jid }, status: "idle", nick: "", nickAttempt: 0, retries: 0, timer: undefined, occupants: new Map(), role: undefined, affiliation: undefined, refusalTold: false };
        rooms.set(jid, state);
        join(state);
      }
    },
    /** A new session: the server forgot our rooms, so every room is joined again. */
    onOnline(): void {
      online = true;
      unleft.clear();
      for (const state of rooms.values()) {
        state.nickAttempt = 0;
        state.retries = 0;
        if (state.status !== "gave-up") join(state);
      }
    },
    /**
     * XEP-0198 resumption: the session, and with it our place in every room, survived. Rooms left
     * while the link was down are left now.
     */
    onResumed(): void {
      for (const [jid, nick] of unleft) {
        if (rooms.has(jid)) continue;
        deps.send(leavePresence(jid, nick)).catch((err: unknown) => log.debug({ room: jid, err }, "leave not sent"));
      }
      unleft.clear();
    },
    onOffline(): void {
      online = false;
      unleft.clear();
      for (const state of rooms.values()) {
        clearTimer(state);
        if (state.status !== "gave-up") setLeft(state);
      }
    },
    /** Routes a stanza to its room. Returns true when it was a room's. */
    handleStanza(stanza: Element): boolean {
      const from = String(stanza.attrs.from ?? "");
      const room = bareJid(from);
      const state = rooms.get(room);
      if (!state) return false;
      const presence = parseMucPresence(stanza);
      if (presence) {
        onPresence(presence, state);
        return true;
      }
      const message = parseRoomMessage(stanza);
      if (message) {
        onMessage(message, state);
        return true;
      }
      return false;
    },
    /** Resolves when the room is joined or given up, or after `timeoutMs` with the state then. */
    awaitJoin(room: string, timeoutMs: number): Promise<{ ok: true; nick: string } | { ok: false; reason: string }> {
      const jid = room.toLowerCase();
      const now = rooms.get(jid);
      if (now?.status === "joined") return Promise.resolve({ ok: true, nick: now.nick });
      return new Promise((resolve) => {
        const done = (result: { ok: true; nick: string } | { ok: false; reason: string }) => {
          clearTimeout(timer);
          events.off("joined", onJoined);
          events.off("failed", onFailed);
          events.off("refused", onFailed);
          resolve(result);
        };
        const onJoined = (r: string) => r === jid && done({ ok: true, nick: rooms.get(jid)?.nick ?? "" });
        const onFailed = (r: string, reason: string) => r === jid && done({ ok: false, reason });
        const timer = setTimeout(() => done({ ok: false, reason: online ? "no answer from the room yet (I keep trying)" : "I am not connected right now (I will join when I am)" }), timeoutMs);
        events.on("joined", onJoined);
        events.on("failed", onFailed);
        events.on("refused", onFailed);
      });
    },
    /** The room dropped us without telling (XEP-0410 self-ping found out): join it again now. */
    rejoin(room: string, reason: string): void {
      const state = rooms.get(room.toLowerCase());
      if (!state || state.status !== "joined") return;
      log.warn({ room: state.spec.jid, reason }, "rejoining room");
      setLeft(state);
      state.nickAttempt = 0;
      join(state);
    },
    /** Rooms we are in, with our nick there. */
    joinedWithNick(): { room: string; nick: string }[] {
      return [...rooms.values()].filter((s) => s.status === "joined").map((s) => ({ room: s.spec.jid, nick: s.nick }));
    },
    /** Our nick in a room we are in. */
    nickIn(room: string): string | undefined {
      const state = rooms.get(room.toLowerCase());
      return state?.status === "joined" ? state.nick : undefined;
    },
    /** Why we are kept out of a room (members-only, banned…), or undefined when we are not. */
    refusalIn(room: string): string | undefined {
      const state = rooms.get(room.toLowerCase());
      if (state?.status === "members-only") return "the room is members-only and I am not a member";
      if (state?.status === "gave-up") return "I stopped trying to join the room";
      return undefined;
    },
    /** Our role in a room we are in (XEP-0045 §5.1: visitor, participant, moderator). */
    roleIn(room: string): string | undefined {
      const state = rooms.get(room.toLowerCase());
      return state?.status === "joined" ? state.role : undefined;
    },
    isJoined(room: string): boolean {
      return rooms.get(room.toLowerCase())?.status === "joined";
    },
    joinedRooms(): string[] {
      return [...rooms.values()].filter((s) => s.status === "joined").map((s) => s.spec.jid);
    },
    rooms(): string[] {
      return [...rooms.keys()];
    },
    /** Leaves every room with an unavailable presence (XEP-0045 §7.14) and stops all timers. */
    async leaveAll(): Promise<void> {
      closing = true;
      const leaving: Promise<void>[] = [];
      for (const state of rooms.values()) {
        clearTimer(state);
        // Stopping: a leave that cannot be sent is moot, the connection closes next.
        if (online && state.status === "joined") leaving.push(deps.send(leavePresence(state.spec.jid, state.nick)).catch((err: unknown) => log.debug({ room: state.spec.jid, err }, "leave not sent")));
        setLeft(state);
      }
      await Promise.all(leaving);
      online = false;
    },
    stop(): void {
      for (const state of rooms.values()) clearTimer(state);
    },
  };
}
