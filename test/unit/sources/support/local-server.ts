// A real HTTP server on 127.0.0.1 for fetcher tests, whose behaviour each test sets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  readonly base: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: IncomingMessage[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startLocalServer(host = "127.0.0.1"): Promise<LocalServer> {
  let handler: Handler = (_req, res) => void res.writeHead(500).end();
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://${host}:${port}`,
    port,
    requests,
    handle: (h) => void (handler = h),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Writes `total` bytes of `fill` in 64 KiB chunks as the client takes them (never holding more
 * than one chunk), and stops when the client goes away. Resolves with the bytes handed to the socket.
 */
export function streamBytes(res: ServerResponse, total: number, fill = "x"): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let written = 0;
  return new Promise((resolve) => {
    let closed = false;
    res.once("close", () => {
      closed = true;
      resolve(written);
    });
    const pump = () => {
      while (!closed && written < total) {
        const piece = total - written >= chunk.length ? chunk : chunk.subarray(0, total - written);
        written += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      if (!closed) res.end();
    };
    pump();
  });
}
