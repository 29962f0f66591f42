// ejabberd (Debian's 23.01 package) as a throwaway test server (see xmpp-server.ts): its config file
// and its commands.
//
// How it runs: `ejabberdctl foreground` is `erl -sname NODE -mnesia dir SPOOL -s ejabberd` plus two things
// that get in the way here: as root it re-runs itself through `su ejabberd` (which cannot enter our 0700
// temp dir), and it relies on epmd, a daemon that outlives the test run. So we start that same `erl`
// command ourselves, as the current user, and use the Erlang distribution without epmd
// (`-erl_epmd_port PORT -start_epmd false`, what ejabberdctl does when ERL_DIST_PORT is set):
// the node listens for its control connections on one more free loopback port. Accounts are made the
// way `ejabberdctl register` makes them, by a short-lived hidden node that calls ejabberd_ctl
// (~0.2 s each; the server must be running). The cookie is a random file in the temp dir ($HOME).
// A system ejabberd that the Debian package may have started uses ports 5222/5269/5280 and epmd,
// none of which we touch, so it can stay.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import {
  startXmppServer,
  streamFeatures,
  type ServerConfiguration,
  type ServerSetup,
  type XmppServer,
  type XmppServerOptions,
} from "./xmpp-server.js";

export const EJABBERD_NOT_FOUND = "ejabberd not found. Install it with: apt-get install -y ejabberd";

export function startEjabberd(options: XmppServerOptions = {}): Promise<XmppServer> {
  return startXmppServer(ejabberd, options);
}

const ejabberd: ServerConfiguration<"erl" | "ejabberdctl"> = {
  name: "ejabberd",
  executables: ["erl", "ejabberdctl"],
  notFound: EJABBERD_NOT_FOUND,
  privatePorts: 1, // the Erlang distribution
  // The Erlang VM loads ejabberd and starts accepting in ~1 s here; leave room for a loaded machine.
  startTimeoutMs: 30_000,
  // A clean shutdown (SIGTERM → init:stop, which closes every session with <system-shutdown/>) takes ~1 s.
  stopGraceMs: 10_000,
  registersThroughServer: true,
  async prepare(setup) {
    const { dir } = setup;
    const { erl, ejabberdctl } = setup.executables;
    const configFile = path.join(dir, "ejabberd.yml");
    const spool = path.join(dir, "spool");
    // One node name per server, kept across restarts: Mnesia ties its data (users, rooms) to it.
    const node = `herald_${randomBytes(4).toString("hex")}@localhost`;
    const env = {
      ...process.env,
      HOME: dir, // the cookie file; also keeps ~/.ejabberd-modules private
      ERL_LIBS: await ejabberdLibs(ejabberdctl),
      EJABBERD_CONFIG_PATH: configFile,
      EJABBERD_LOG_PATH: setup.logFile, // ejabberd also writes error.log beside it
      ERL_CRASH_DUMP: path.join(dir, "erl_crash.dump"),
      ERL_CRASH_DUMP_BYTES: "0",
    };
    // Distribution on a fixed loopback port instead of epmd (see the top of this file).
    const dist = ["-erl_epmd_port", String(setup.privatePorts[0]), "-start_epmd", "false"];

    await mkdir(spool);
    await writeFile(path.join(dir, ".erlang.cookie"), randomBytes(16).toString("hex"), { mode: 0o400 });
    await writeFile(configFile, ejabberdConfig(setup));
    return {
      server: {
        file: erl,
        args: ["-sname", node, ...dist, "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
          "-noinput", "-mnesia", "dir", JSON.stringify(spool), "-s", "ejabberd"],
        cwd: dir,
        env,
      },
      // An open port is not enough: ejabberd binds its listeners early but accepts only once every
      // module has started, so a client (or `register`) that came in between would meet missing
      // tables ("no_exists passwd").
      probe: (timeoutMs) => streamFeatures(setup.port, timeoutMs),
      // `ejabberdctl register` without ejabberdctl: a hidden node that does not listen itself.
      register: (username, password) => ({
        file: erl,
        args: ["-sname", `herald_ctl_${randomBytes(4).toString("hex")}@localhost`, ...dist,
          "-dist_listen", "false", "-hidden", "-noinput",
          "-s", "ejabberd_ctl", "-extra", node, "register", username, "localhost", password],
        cwd: dir,
        env,
      }),
    };
  },
};

/** Where ejabberd's Erlang applications live: Debian's ejabberdctl sets ERL_LIBS to the multiarch lib dir. */
async function ejabberdLibs(ejabberdctl: string): Promise<string> {
  const script = await readFile(ejabberdctl, "utf8").catch(() => "");
  const match = /^ERL_LIBS=['"]?([^'"\n]+)['"]?$/m.exec(script);
  if (!match?.[1]) throw new Error(`${ejabberdctl} does not set ERL_LIBS; is it Debian's ejabberd package?`);
  return match[1];
}

function ejabberdConfig({ port, tlsPort, tlsFiles, persistentRooms, logLevel, minMessageIntervalS, pubsub, mix }: ServerSetup<string>): string {
  const c2s = { ip: "127.0.0.1", module: "ejabberd_c2s", max_stanza_size: 262144 };
  const config = {
    loglevel: logLevel,
    log_rotate_count: 0,
    hosts: ["localhost"],
    // No ACME: it would try to fetch certificates from the internet.
    acme: { auto: false },
    // The CA too, or ejabberd warns that the certificate is "signed by unknown CA".
    ...(tlsFiles && { certfiles: [tlsFiles.certFile, tlsFiles.keyFile, tlsFiles.caFile] }),
    listen: [
      // With a certificate, refuse unencrypted logins (like prosody.ts): a client that logs in has proven
      // it did TLS. Without one, no STARTTLS is offered at all.
      { port, ...c2s, ...(tlsFiles && { starttls: true, starttls_required: true }) },
      // XEP-0368 direct TLS.
      ...(tlsFiles ? [{ port: tlsPort, ...c2s, tls: true }] : []),
    ],
    // No s2s or HTTP listener; and no outgoing s2s either.
    s2s_access: "none",
    auth_method: "internal",
    // Stored as SCRAM-SHA-1 hashes like Prosody's internal_hashed. ejabberd offers PLAIN on an
    // unencrypted stream by default; the test member logs in with it for speed.
    auth_password_format: "scram",
    disable_sasl_mechanisms: ["X-OAUTH2"], // offered by default; Prosody offers PLAIN and SCRAM-SHA-1 only
    modules: {
      mod_carboncopy: {},
      mod_disco: {},
      // XEP-0045 §10.1: ejabberd creates a room on first join and sends status 201 like Prosody, but
      // 23.01 has no room locking (Prosody's muc_room_locking): others may enter before the creator
      // submits the configuration form. Room history is kept in memory only (no mod_mam), so it is
      // gone after restart(), where Prosody keeps a persistent room's history.
      mod_muc: {
        hosts: ["conference.localhost"],
        access: "all",
        access_create: "all",
        access_persistent: "all",
        access_admin: "none",
        default_room_options: { persistent: persistentRooms, mam: false },
        ...(minMessageIntervalS === undefined ? {} : { min_message_interval: minMessageIntervalS }),
      },
      mod_offline: {},
      // XEP-0060 services: any local user may create a node and owns what it created.
      ...(Object.keys(pubsub).length === 0 ? {} : { mod_pubsub: { hosts: Object.keys(pubsub), plugins: ["flat"], access_createnode: "all" } }),
      // XEP-0369 channels at the MIX service's domain, kept in Mnesia across restarts.
      // mod_mix needs mod_mam (a channel's history); people's own messages stay unarchived.
      ...(mix === undefined ? {} : { mod_mix: { hosts: [mix] }, mod_mix_pam: {}, mod_mam: { default: "never" } }),
      mod_ping: {},
      mod_roster: {},
      mod_stream_mgmt: {},
      mod_version: {},
    },
  };
  return `# Written by test/integration/harness/ejabberd.ts\n${stringify(config)}`;
}
