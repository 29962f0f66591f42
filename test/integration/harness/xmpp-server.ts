// What every throwaway test server shares, whichever XMPP server it is: its options, the object a test
// gets back, and the helpers that set it up.
import { execFile } from "node:child_process";
import { access, constants, mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Options of a throwaway test server; the same for every server the suite runs against (see server.ts). */
export interface XmppServerOptions {
  /** Generate a private CA and a certificate for localhost; offer STARTTLS and direct TLS. */
  tls?: boolean;
  /** Accounts to register before returning: username → password. */
  users?: Record<string, string>;
  /** New MUC rooms are persistent, so they survive `restart()` (default true). */
  persistentRooms?: boolean;
  /** The server's log level (default "info"); "debug" logs every stanza, handy when a test misbehaves. */
  logLevel?: "debug" | "info";
}

/** A running throwaway server on loopback: Prosody (prosody.ts) or ejabberd (ejabberd.ts). */
export interface XmppServer {
  readonly domain: string;
  readonly mucDomain: string;
  readonly host: string;
  readonly port: number;
  /** c2s direct TLS port (XEP-0368), only with `tls: true`. */
  readonly tlsPort?: number;
  /** PEM of the private CA that signed the server certificate, only with `tls: true`. */
  readonly caFile?: string;
  readonly dir: string;
  /** For @xmpp/client: "xmpp://127.0.0.1:PORT" (no DNS SRV lookup). */
  readonly service: string;
  register(username: string, password: string): Promise<void>;
  /** Start again on the same ports and data dir. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL if the server has not exited after a grace period. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stop and remove the temp dir. */
  cleanup(): Promise<void>;
  /** Tail of the server's log file and console output, for error messages. */
  log(): string;
}

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A private CA and a server certificate for localhost and conference.localhost, made with the openssl CLI. */
export async function generateCertificates(dir: string): Promise<TlsFiles> {
  await mkdir(dir);
  const file = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = async (args: string[]) => {
    try {
      await run("openssl", args);
    } catch (error) {
      throw new Error(`openssl ${args[0]} failed: ${String((error as { stderr?: string }).stderr ?? error)}`);
    }
  };
  await openssl(["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "30",
    "-subj", "/CN=Herald test CA"]);
  await openssl(["req", "-new", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"),
    "-subj", "/CN=localhost"]);
  await writeFile(file("server.ext"), [
    "basicConstraints = CA:FALSE",
    "keyUsage = digitalSignature, keyEncipherment",
    "extendedKeyUsage = serverAuth",
    "subjectAltName = DNS:localhost, DNS:conference.localhost",
  ].join("\n"));
  await openssl(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
    "-CAcreateserial", "-days", "30", "-extfile", file("server.ext"), "-out", file("server.crt")]);
  return { caFile: file("ca.crt"), certFile: file("server.crt"), keyFile: file("server.key") };
}

/** Ports the kernel just handed out for port 0; all held at once so they differ. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
