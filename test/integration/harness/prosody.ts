// Prosody as a throwaway test server (see xmpp-server.ts): its config file and its commands.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  portOpen,
  startXmppServer,
  type ServerConfiguration,
  type ServerSetup,
  type XmppServer,
  type XmppServerOptions,
} from "./xmpp-server.js";

export const PROSODY_NOT_FOUND = "Prosody not found. Install it with: apt-get install -y prosody";

export type ProsodyServer = XmppServer;

// Jest (CommonJS) and the demo/bench build (ESM) both run from the package root; resolve from there
// because __dirname exists only in the first and import.meta only in the second.
const TEST_MODULES_DIR = path.resolve("test/integration/harness/prosody-modules");

export function startProsody(options: XmppServerOptions = {}): Promise<ProsodyServer> {
  return startXmppServer(prosody, options);
}

const prosody: ServerConfiguration<"prosody" | "prosodyctl"> = {
  name: "Prosody",
  executables: ["prosody", "prosodyctl"],
  notFound: PROSODY_NOT_FOUND,
  privatePorts: 0,
  startTimeoutMs: 10_000,
  stopGraceMs: 5_000,
  // prosodyctl writes the account files itself, running server or not.
  registersThroughServer: false,
  async prepare(setup) {
    const configFile = path.join(setup.dir, "prosody.cfg.lua");
    await mkdir(path.join(setup.dir, "data"));
    await mkdir(path.join(setup.dir, "certs")); // empty: keeps Debian's snakeoil localhost cert out
    await writeFile(configFile, prosodyConfig(setup));
    return {
      server: { file: setup.executables.prosody, args: ["--config", configFile, "-F"] },
      probe: (timeoutMs) => portOpen(setup.port, timeoutMs),
      register: (username, password) => ({
        file: setup.executables.prosodyctl,
        args: ["--config", configFile, "register", username, "localhost", password],
      }),
    };
  },
};

function prosodyConfig({ dir, logFile, port, tlsPort, tlsFiles, persistentRooms, logLevel, minMessageIntervalS, mucRoomCacheSize, pubsub }: ServerSetup<string>): string {
  const str = (value: string) => JSON.stringify(value); // a valid Lua string literal for paths
  const tls = tlsFiles
    ? [
        `c2s_direct_tls_ports = { ${tlsPort} }`,
        `ssl = { certificate = ${str(tlsFiles.certFile)}; key = ${str(tlsFiles.keyFile)} }`,
      ]
    : [];
  return [
    `pidfile = ${str(path.join(dir, "prosody.pid"))}`,
    // The test-only throttle module is loaded only when a test asks for it, so the demo and the bench
    // (built as ES modules, with no __dirname) never need the harness's own folder.
    ...(minMessageIntervalS === undefined ? [] : [`plugin_paths = { ${str(TEST_MODULES_DIR)} }`]),
    `data_path = ${str(path.join(dir, "data"))}`,
    `log = { ${logLevel} = ${str(logFile)} }`,
    `run_as_root = true -- tests run as root; without it Prosody never listens`,
    `interfaces = { "127.0.0.1" }`,
    `local_interfaces = { "127.0.0.1" }`,
    `c2s_ports = { ${port} }`,
    `s2s_ports = { }`,
    `http_ports = { }`,
    `https_ports = { }`,
    `c2s_close_timeout = 1 -- shutdown waits this long (+1 s) for clients to close their streams`,
    `certificates = ${str(path.join(dir, "certs"))}`,
    ...tls,
    // With a certificate, refuse unencrypted logins: a client that logs in has proven it did TLS.
    `c2s_require_encryption = ${tlsFiles ? "true" : "false"}`,
    `allow_unencrypted_plain_auth = true -- tests log in with PLAIN for speed`,
    `authentication = "internal_hashed"`,
    `storage = "internal"`,
    // Prosody 0.12's mod_tls advertises STARTTLS even with no certificate at all (the handshake then
    // fails with alert 40), and xmpp.js always takes it: load mod_tls only when we have a certificate.
    `modules_enabled = { "roster", "saslauth", ${tlsFiles ? `"tls", ` : ""}"disco", "ping", "smacks", "version", "carbons" }`,
    `modules_disabled = { "s2s" }`,
    ``,
    `VirtualHost "localhost"`,
    ``,
    `-- XEP-0045: room locking stays at its default (on); creators must configure new rooms.`,
    `Component "conference.localhost" "muc"`,
    `  restrict_room_creation = false`,
    `  muc_room_default_persistent = ${persistentRooms}`,
    ...(mucRoomCacheSize === undefined ? [] : [`  muc_room_cache_size = ${mucRoomCacheSize}`]),
    ...(minMessageIntervalS === undefined ? [] : [`  modules_enabled = { "herald_test_throttle" }`, `  herald_test_min_message_interval = ${minMessageIntervalS}`]),
    ``,
    // XEP-0060: a service's admins may create nodes and own every node there; others may not.
    ...Object.entries(pubsub).flatMap(([domain, admins]) => [
      `Component ${str(domain)} "pubsub"`,
      `  admins = { ${admins.map(str).join(", ")} }`,
      ``,
    ]),
  ].join("\n");
}
