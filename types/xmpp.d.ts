// Minimal local types for xmpp.js 0.14 (the packages ship none; @types/xmpp__client 0.14.1 is stale:
// no stream-management events, and iq caller/callee resolve to `any` under NodeNext).
// Covers only what Herald uses; extend when you need more.

declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";

  /** An ltx element (xmpp.js re-exports ltx). Parsed attribute values are always strings. */
  export class Element {
    constructor(name: string, attrs?: Record<string, string>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: Array<Element | string>;
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getNS(): string | undefined;
    getAttr(name: string, xmlns?: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    text(): string;
    append(...nodes: Array<Element | string>): this;
    toString(): string;
  }

  export type XmlAttrs = Record<string, string | number | boolean | null | undefined>;
  export type XmlChild = Element | string | null | undefined | boolean | XmlChild[];

  /** Build an element: xml("message", { to, type }, xml("body", {}, text)). Null attrs are dropped. */
  export function xml(name: string, attrs?: XmlAttrs | null, ...children: XmlChild[]): Element;
  export namespace xml {
    export { Element };
  }

  export class JID {
    constructor(local: string | null | undefined, domain: string, resource?: string);
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    equals(other: JID): boolean;
    toString(unescape?: boolean): string;
  }
  export function jid(address: string): JID;
  export function jid(local: string | null | undefined, domain: string, resource?: string): JID;

  /** Error with an RFC 6120 condition: StreamError, SASLError, StanzaError (stanza errors also have `type`). */
  export interface XMPPError extends Error {
    condition: string;
    text?: string;
    type?: string;
    element?: Element;
  }

  export type Status =
    | "offline" | "connecting" | "connect" | "opening" | "open" | "online"
    | "closing" | "close" | "disconnecting" | "disconnect";

  /** SASL credentials callback: call `authenticate` with a mechanism from `mechanisms` (client priority order). */
  export type CredentialsCallback = (
    authenticate: (credentials: { username: string; password: string }, mechanism: string) => Promise<void>,
    mechanisms: string[],
    fast: unknown,
    entity: Client,
  ) => Promise<void>;

  export interface ClientOptions {
    /** e.g. "xmpp://127.0.0.1:5222" (no DNS SRV lookup) or "xmpps://host:5223". */
    service?: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: CredentialsCallback;
    lang?: string;
    /** Milliseconds for stream open/close steps (default 2000). */
    timeout?: number;
  }

  export interface IqCaller {
    /** Sends a whole <iq/>; resolves with the result <iq/>, rejects with a StanzaError or TimeoutError. */
    request(stanza: Element, timeoutMs?: number): Promise<Element>;
    /** Wraps `child` in <iq type="get">; resolves with the matching child of the result. */
    get(child: Element, to?: string, timeoutMs?: number): Promise<Element | undefined>;
    set(child: Element, to?: string, timeoutMs?: number): Promise<Element | undefined>;
  }

  export interface IqContext {
    stanza: Element;
    /** The single child of the incoming <iq/>. */
    element: Element;
    from: JID;
    to: JID;
    id: string;
  }
  /** Return an Element (result payload), true/{} (empty result) or an <error/> element. Throwing yields internal-server-error. */
  export type IqHandler = (ctx: IqContext) => Element | object | boolean | Promise<Element | object | boolean>;

  export interface IqCallee {
    get(xmlns: string, name: string, handler: IqHandler): void;
    set(xmlns: string, name: string, handler: IqHandler): void;
  }

  /** XEP-0198. `resumed` fires on successful resumption; `ack`/`fail` per outbound stanza. */
  export interface StreamManagement extends EventEmitter {
    enabled: boolean;
    id: string;
    /** Milliseconds the client waits for an <a/> before disconnecting (0 disables). */
    timeout: number;
    requestAckInterval: number;
    on(event: "resumed", listener: () => void): this;
    on(event: "ack" | "fail", listener: (stanza: Element) => void): this;
  }

  export interface Reconnect extends EventEmitter {
    /** Fixed delay in ms between attempts (default 1000, no backoff). */
    delay: number;
    start(): void;
    stop(): void;
    on(event: "reconnecting" | "reconnected", listener: () => void): this;
  }

  export interface Client extends EventEmitter {
    jid: JID | null;
    status: Status;
    options: ClientOptions;
    iqCaller: IqCaller;
    iqCallee: IqCallee;
    streamManagement: StreamManagement;
    reconnect: Reconnect;
    /** saslmechanisms' factory: the client's mechanisms in order of preference. */
    saslFactory: { _mechs: { name: string; mech: unknown }[] };
    /** Resolves with the bound JID when online (before stream management is enabled). */
    start(): Promise<JID>;
    stop(): Promise<unknown>;
    /** Closes the socket without ending the client: the reconnect module connects again. */
    disconnect(timeout?: number): Promise<void>;
    /** Throws (rejects) when not connected; nothing is queued. */
    send(...stanzas: Element[]): Promise<void>;
    isSecure(): boolean;
    on(event: "online", listener: (jid: JID) => void): this;
    on(event: "stanza" | "element" | "send", listener: (stanza: Element) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "status", listener: (status: Status, ...args: unknown[]) => void): this;
    on(event: "offline" | "disconnect" | "connect" | "open" | "close", listener: (...args: unknown[]) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }

  export function client(options?: ClientOptions): Client;
}

declare module "@xmpp/debug" {
  import type { Client } from "@xmpp/client";
  /** Logs every stanza (SASL payloads hidden) when XMPP_DEBUG is set or `force` is true. */
  export default function debug(entity: Client, force?: boolean): void;
  /** Replaces SASL (and component handshake) payloads with <hidden/>, in place; returns the element. */
  export function hideSensitive<T>(element: T): T;
}

declare module "@xmpp/xml" {
  import type { EventEmitter } from "node:events";
  import type { Element } from "@xmpp/client";
  /** The stream parser xmpp.js reads the socket with (tests feed it captured reads). */
  export class Parser extends EventEmitter {
    write(data: string): void;
    on(event: "element" | "start", listener: (element: Element) => void): this;
  }
}
