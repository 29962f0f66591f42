import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server that misbehaves the ways feeds in the wild do: it trickles one byte a
 * second, streams 50 MB, redirects in a loop, or serves an XML entity-expansion bomb.
 * Everything is bounded: the trickle stops when the client hangs up or after 10 minutes.
 */
export class HostileServer {
  private server: Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;

  url(path: "/trickle" | "/huge" | "/loop-a" | "/bomb"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      switch (req.url) {
        case "/trickle":
          return this.trickle(res);
        case "/huge":
          return huge(res);
        case "/loop-a":
          return void res.writeHead(302, { location: "/loop-b" }).end();
        case "/loop-b":
          return void res.writeHead(302, { location: "/loop-a" }).end();
        case "/bomb":
          return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(BOMB);
        default:
          return void res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private trickle(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/rss+xml" });
    const body = '<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title></channel></rss>';
    let i = 0;
    const timer = setInterval(() => {
      if (i >= body.length || i > 600) {
        clearInterval(timer);
        this.timers.delete(timer);
        res.end();
        return;
      }
      res.write(body[i++]);
    }, 1000);
    this.timers.add(timer);
    res.on("close", () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** 50 MB of feed-looking bytes, streamed in 64 KB chunks (never held in memory). */
function huge(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/rss+xml" });
  const chunk = Buffer.alloc(64 * 1024, "<item><title>x</title></item>");
  let sent = 0;
  const total = 50 * 1024 * 1024;
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>');
  res.on("close", () => (sent = total));
  pump();
}

/** "Billion laughs": ten levels of ten references; expanded it would be 3 GB of "lol". */
const BOMB = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>bomb</title>
<item><guid>bomb-1</guid><title>Laughs &lol9;</title><description>&lol9;</description></item>
</channel></rss>`;
