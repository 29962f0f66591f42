/**
 * A small real WebSub hub (W3C WebSub §5–§7) on loopback, for the tests: it takes subscription
 * requests over HTTP, verifies intent by calling the subscriber's callback with a challenge,
 * grants a lease, and pushes content signed with the subscriber's secret (§8). Tests can also
 * forge a delivery and ask an unsolicited verification, as a hostile party would.
 */
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { signBody } from "../../../src/sources/websub/signature.js";

export interface HubSubscription {
  readonly topic: string;
  readonly callback: string;
  readonly secret: string | undefined;
  readonly leaseSeconds: number;
}

export interface HubEvent {
  readonly mode: "subscribe" | "unsubscribe";
  readonly topic: string;
  readonly callback: string;
  /** Whether the subscriber echoed the challenge (intent verified). */
  readonly verified: boolean;
}

export class WebSubHub {
  private server: Server | undefined;
  port = 0;
  /** Active subscriptions by callback. */
  readonly subscriptions = new Map<string, HubSubscription>();
  readonly events: HubEvent[] = [];
  private readonly waiters: { pred: (e: HubEvent) => boolean; resolve: (e: HubEvent) => void }[] = [];

  constructor(private readonly leaseSeconds = 3600) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method !== "POST") return void res.writeHead(405).end();
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const mode = form.get("hub.mode");
        const topic = form.get("hub.topic");
        const callback = form.get("hub.callback");
        if ((mode !== "subscribe" && mode !== "unsubscribe") || !topic || !callback) return void res.writeHead(400).end("hub.mode, hub.topic and hub.callback are required");
        // §5.1.2: accepted now, verified asynchronously.
        res.writeHead(202).end();
        void this.verify(mode, topic, callback, form.get("hub.secret") ?? undefined);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** §5.3: the hub asks the callback to echo a challenge before it believes the request. */
  private async verify(mode: "subscribe" | "unsubscribe", topic: string, callback: string, secret: string | undefined): Promise<void> {
    const challenge = randomBytes(8).toString("hex");
    const answer = await this.askCallback(callback, { "hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge, "hub.lease_seconds": String(this.leaseSeconds) });
    const verified = answer.status >= 200 && answer.status < 300 && answer.body === challenge;
    if (verified && mode === "subscribe") this.subscriptions.set(callback, { topic, callback, secret, leaseSeconds: this.leaseSeconds });
    if (verified && mode === "unsubscribe") this.subscriptions.delete(callback);
    this.record({ mode, topic, callback, verified });
  }

  /** A verification request the subscriber never asked for (anyone can send one). */
  async askCallback(callback: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
    const url = new URL(callback);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  }

  /** §7: pushes `body` to every subscriber of `topic`, signed with its secret (or forged). */
  async publish(topic: string, body: string, options: { forge?: boolean } = {}): Promise<number[]> {
    const statuses: number[] = [];
    for (const sub of this.subscriptions.values()) {
      if (sub.topic !== topic) continue;
      const signature = signBody("sha256", options.forge ? "not-the-secret" : (sub.secret ?? ""), body);
      const response = await fetch(sub.callback, {
        method: "POST",
        body,
        headers: { "content-type": "application/atom+xml; charset=utf-8", link: `<${this.url}>; rel="hub", <${topic}>; rel="self"`, "x-hub-signature": signature },
      });
      statuses.push(response.status);
    }
    return statuses;
  }

  waitFor(pred: (e: HubEvent) => boolean, since = 0, timeoutMs = 20_000): Promise<HubEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a hub event")), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  private record(event: HubEvent): void {
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.pred(event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
