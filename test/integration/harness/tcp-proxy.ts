// A loopback TCP proxy between a client and the server, so a test can cut a live connection or stop
// one direction of it, as a flaky network would, without touching either end.
import net from "node:net";

export type Direction = "to-server" | "to-client";

interface Link {
  readonly client: net.Socket;
  readonly server: net.Socket;
}

export class TcpProxy {
  private readonly links = new Set<Link>();
  private readonly listener: net.Server;
  private accepted = 0;
  /** Connections accepted during a partition: kept open, never connected to the server. */
  private readonly stranded = new Set<net.Socket>();
  private partitioned = false;

  constructor(private readonly target: { host: string; port: number }) {
    this.listener = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.listener.listen(0, "127.0.0.1", resolve));
  }

  get port(): number {
    return (this.listener.address() as net.AddressInfo).port;
  }

  /** For @xmpp/client: "xmpp://127.0.0.1:PORT". */
  get service(): string {
    return `xmpp://127.0.0.1:${this.port}`;
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  /**
   * Stops forwarding one direction of the current connections: what is sent that way is kept back
   * (never delivered if `cut()` follows), as on a link that silently stopped carrying data.
   */
  hold(direction: Direction): void {
    for (const { client, server } of this.links) {
      const [from, to] = direction === "to-server" ? [client, server] : [server, client];
      // Unpiped as well as paused: a 'drain' on the other side would set a piped source flowing again.
      from.unpipe(to);
      from.pause();
    }
  }

  /** Destroys every current connection at both ends (what was held back is dropped); new ones flow freely. */
  cut(): void {
    for (const { client, server } of this.links) {
      client.destroy();
      server.destroy();
    }
    this.links.clear();
  }

  /**
   * A network partition: the current connections stop forwarding both ways, and new ones are
   * accepted but never reach the server, as when a host drops off the network (no reset, no
   * refusal: the client just hears nothing) until `heal()`.
   */
  partition(): void {
    this.partitioned = true;
    this.hold("to-server");
    this.hold("to-client");
  }

  /**
   * Ends a partition: the connections held through it are cut (what they carried is lost, as after
   * a partition long enough for the peers to give up on them); new connections flow again.
   */
  heal(): void {
    this.partitioned = false;
    for (const socket of this.stranded) socket.destroy();
    this.stranded.clear();
    this.cut();
  }

  async stop(): Promise<void> {
    this.partitioned = false;
    for (const socket of this.stranded) socket.destroy();
    this.stranded.clear();
    this.cut();
    await new Promise((resolve) => this.listener.close(resolve));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    if (this.partitioned) {
      client.pause();
      this.stranded.add(client);
      client.on("error", () => client.destroy()).on("close", () => this.stranded.delete(client));
      return;
    }
    const server = net.connect(this.target);
    const link = { client, server };
    this.links.add(link);
    client.pipe(server);
    server.pipe(client);
    const close = () => {
      client.destroy();
      server.destroy();
      this.links.delete(link);
    };
    client.on("error", close).on("close", close);
    server.on("error", close).on("close", close);
  }
}
