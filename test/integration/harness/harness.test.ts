// The integration harness itself, against the real server HERALD_TEST_SERVER picks (Prosody by default):
// later integration tests rely on every piece here.
import { readFile } from "node:fs/promises";
import net from "node:net";
import tls from "node:tls";
import { connectMember, type Member } from "./member.js";
import { EJABBERD_NOT_FOUND, startEjabberd } from "./ejabberd.js";
import { PROSODY_NOT_FOUND, startProsody } from "./prosody.js";
import { serverKind, startServer, type XmppServer } from "./server.js";

/** Opens a client stream on the plain c2s port and returns the first <stream:features/> as text. */
function streamFeatures(server: XmppServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no stream features; got: ${received}`)));
    socket.once("error", reject);
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (!received.includes("</stream:features>")) return;
      socket.destroy();
      resolve(received);
    });
    socket.write(
      `<?xml version='1.0'?><stream:stream to='${server.domain}' xmlns='jabber:client' ` +
        `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
    );
  });
}

describe(`plain ${serverKind()} with two members`, () => {
  let server: XmppServer;
  let alice: Member;
  let bob: Member;
  const members: Member[] = [];
  let room: string;

  beforeAll(async () => {
    server = await startServer({ users: { alice: "alice-pw", bob: "bob-pw" } });
    room = `lobby@${server.mucDomain}`;
    alice = await connectMember({ server, username: "alice", password: "alice-pw" });
    members.push(alice);
    bob = await connectMember({ server, username: "bob", password: "bob-pw" });
    members.push(bob);
  });

  afterAll(async () => {
    await Promise.all(members.map((member) => member.stop()));
    await server?.cleanup();
  });

  test("offers no STARTTLS without tls:true (the system's snakeoil certificate is not picked up)", async () => {
    const features = await streamFeatures(server);
    expect(features).toContain("<mechanism>PLAIN</mechanism>");
    expect(features).not.toContain("starttls");
  });

  test("the creator unlocks a new room and another member hears its groupchat", async () => {
    await alice.joinRoom(room, "Alice");
    expect(alice.occupants(room).get("Alice")).toMatchObject({ affiliation: "owner", role: "moderator" });

    await bob.joinRoom(room, "Bob");
    await alice.waitForOccupant(room, "Bob");
    await alice.sendGroupchat(room, "hello before restart");

    const message = await bob.waitForMessage((m) => m.body === "hello before restart");
    expect(message).toMatchObject({ type: "groupchat", from: `${room}/Alice`, delayed: false });
  });

  test("a failed join rejects with the error condition", async () => {
    await server.register("carol", "carol-pw");
    const carol = await connectMember({ server, username: "carol", password: "carol-pw" });
    members.push(carol);
    // XEP-0045 §7.2.9: a nick already in use is a <conflict/>.
    await expect(carol.joinRoom(room, "Alice")).rejects.toThrow(/conflict/);
  });

  test("a chat message to a member's bare JID is delivered live", async () => {
    await alice.sendChat("bob@localhost", "direct hello");
    const message = await bob.waitForMessage((m) => m.body === "direct hello");
    expect(message).toMatchObject({ type: "chat", delayed: false });
    expect(message.from).toBe(alice.jid);
  });

  test("after a server restart both members rejoin the persistent room by themselves", async () => {
    const [aliceSessions, bobSessions] = [alice.sessions, bob.sessions];
    await server.restart();

    await Promise.all([alice.waitForSession(aliceSessions + 1), bob.waitForSession(bobSessions + 1)]);
    await Promise.all([alice.waitForJoined(room), bob.waitForJoined(room)]);
    // The room survived (persistentRooms defaults to true), so Alice is still its owner.
    expect((await bob.waitForOccupant(room, "Alice")).affiliation).toBe("owner");

    await alice.sendGroupchat(room, "hello after restart");
    const message = await bob.waitForMessage((m) => m.body === "hello after restart");
    expect(message.delayed).toBe(false);
  });
});

describe(`${serverKind()} with tls:true`, () => {
  let server: XmppServer;

  beforeAll(async () => {
    server = await startServer({ tls: true });
  });

  afterAll(async () => {
    await server?.cleanup();
  });

  test("serves a certificate for localhost and the MUC domain, signed by its own CA, on the direct TLS port", async () => {
    expect(server.tlsPort).toEqual(expect.any(Number));
    const ca = await readFile(server.caFile ?? "");
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const connection = tls.connect({ host: server.host, port: server.tlsPort, servername: "localhost", ca }, () =>
        resolve(connection),
      );
      connection.once("error", reject);
    });
    try {
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerCertificate().subjectaltname).toBe("DNS:localhost, DNS:conference.localhost");
    } finally {
      socket.destroy();
    }
  });

  test("offers STARTTLS on the plain c2s port", async () => {
    expect(await streamFeatures(server)).toContain("urn:ietf:params:xml:ns:xmpp-tls");
  });
});

describe("a server that is not installed", () => {
  test.each([
    ["Prosody", startProsody, PROSODY_NOT_FOUND],
    ["ejabberd", startEjabberd, EJABBERD_NOT_FOUND],
  ])("%s: fails with the install command instead of skipping", async (_name, start, message) => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(start()).rejects.toThrow(message);
    } finally {
      process.env.PATH = path;
    }
  });
});
