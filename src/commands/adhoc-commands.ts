import { parseFilterTerm } from "../filters/filters.js";
import { MEDIA_SETTINGS } from "../config/room-options.js";
import type { AdhocCommand, Requester, Step } from "../xmpp/adhoc.js";
import { isTrue, type FormSpec } from "../xmpp/forms.js";
import { DEFAULT_ROOM_SETTINGS } from "../live/registry.js";
import { checkTemplate } from "../announce/template.js";
import { refusal, UserError, type Command, type CommandContext } from "./command.js";
import type { CommandServices } from "./services.js";
import { nodeUri } from "../xmpp/pubsub-stanzas.js";

/** A form entry as declared here: the chat command it stands for, instead of flags of its own. */
type FormEntry = Omit<AdhocCommand, "admin"> & { readonly command: string };

const contextOf = (who: Requester): CommandContext => ({ sender: who.bare, isAdmin: who.isAdmin, place: { kind: "dm" } });

/**
 * The admin operations and "latest" as XEP-0050 commands with XEP-0004 forms, for clients'
 * command menus. Each form names the chat command it stands for and takes that command's admin
 * flag and permission check from the table, and runs the same executor, so checks and messages
 * are the same whichever way an admin asks.
 */
export function adhocCommands(s: CommandServices, table: readonly Command[]): AdhocCommand[] {
  const commandNamed = (name: string): Command => {
    const cmd = table.find((c) => c.name === name);
    if (!cmd) throw new Error(`ad-hoc form for “${name}”, which is not in the command table: add the command or fix the name`);
    return cmd;
  };
  const fromTable = (entry: FormEntry): AdhocCommand => {
    const cmd = commandNamed(entry.command);
    const guarded =
      <A extends unknown[]>(step: (who: Requester, ...rest: A) => Step | Promise<Step>) =>
      (who: Requester, ...rest: A): Step | Promise<Step> => {
        const refused = refusal(cmd, contextOf(who));
        return refused === undefined ? step(who, ...rest) : { kind: "done", note: refused, error: true };
      };
    return { node: entry.node, name: entry.name, admin: cmd.admin, start: guarded(entry.start), submit: guarded(entry.submit) };
  };
  const run = async (name: string, who: Requester, args: string[], rest = ""): Promise<Step> => {
    const cmd = commandNamed(name);
    const ctx = contextOf(who);
    try {
      return { kind: "done", note: await cmd.run(ctx, args, rest) };
    } catch (err) {
      if (err instanceof UserError) return { kind: "done", note: err.message, error: true };
      throw err;
    }
  };
  const one = (values: Map<string, string[]>, name: string): string => values.get(name)?.[0]?.trim() ?? "";
  const feedOptions = () => s.registry.feeds().map((f) => ({ label: f.name, value: f.name }));
  const roomOptions = () => s.registry.rooms().map((r) => ({ label: r.jid, value: r.jid }));
  const form = (f: FormSpec, state?: unknown): Step => ({ kind: "form", form: f, state });

  const entries: FormEntry[] = [
    {
      node: "latest",
      name: "Latest posts",
      command: "latest",
      start: () =>
        form({
          title: "Latest posts",
          fields: [
            { var: "feed", type: "list-single", label: "Feed", values: [""], options: [{ label: "All feeds", value: "" }, ...feedOptions()] },
            { var: "count", type: "list-single", label: "How many", values: ["3"], options: ["1", "3", "5", "10"].map((v) => ({ value: v })) },
          ],
        }),
      submit: (who, v) => run("latest", who, [one(v, "count") || "3", one(v, "feed")].filter(Boolean)),
    },
    {
      node: "join",
      name: "Join a room",
      command: "join",
      start: () =>
        form({
          title: "Join a room",
          instructions: "Herald joins the room and remembers it across restarts.",
          fields: [
            { var: "room", type: "jid-single", label: "Room address", required: true },
            { var: "nick", type: "text-single", label: "Nickname (optional)" },
            { var: "password", type: "text-private", label: "Room password (optional)" },
          ],
        }),
      // Positions matter: an empty nick must not let the password slide into its place.
      submit: (who, v) => run("join", who, [one(v, "room"), one(v, "nick"), one(v, "password")]),
    },
    {
      node: "leave",
      name: "Leave a room",
      command: "leave",
      start: () => form({ title: "Leave a room", fields: [{ var: "room", type: "list-single", label: "Room", required: true, options: roomOptions() }] }),
      submit: (who, v) => run("leave", who, [one(v, "room")]),
    },
    {
      node: "feed-add",
      name: "Add a feed",
      command: "feed add",
      start: () =>
        form({
          title: "Add a feed",
          instructions: "The feed is read first; posts already in it are not announced.",
          fields: [
            { var: "name", type: "text-single", label: "Short name", required: true },
            { var: "url", type: "text-single", label: "Feed URL (http or https)", required: true },
            { var: "interval", type: "text-single", label: "Check every", values: ["10m"] },
          ],
        }),
      submit: (who, v) => run("feed add", who, [one(v, "name"), one(v, "url"), one(v, "interval") || "10m"]),
    },
    {
      node: "feed-remove",
      name: "Remove a feed",
      command: "feed remove",
      start: () => form({ title: "Remove a feed", fields: [{ var: "feed", type: "list-single", label: "Feed", required: true, options: feedOptions() }] }),
      submit: (who, v) => run("feed remove", who, [one(v, "feed")]),
    },
    {
      node: "node-add",
      name: "Publish a feed to a PubSub node",
      command: "node",
      start: () =>
        form({
          title: "Publish a feed to a PubSub node",
          instructions: "Each new post of the feed becomes one item of the node (XEP-0060); Herald creates the node if it is missing.",
          fields: [
            { var: "service", type: "jid-single", label: "PubSub service (or an account, for its PEP)", required: true },
            { var: "node", type: "text-single", label: "Node", required: true },
            { var: "feed", type: "list-single", label: "Feed", required: true, options: feedOptions() },
          ],
        }),
      submit: (who, v) => run("node", who, [one(v, "service"), one(v, "node"), "add", one(v, "feed")]),
    },
    {
      node: "node-forget",
      name: "Stop publishing to a PubSub node",
      command: "node",
      start: () =>
        form({
          title: "Stop publishing to a PubSub node",
          instructions: "The node and its items stay at the service.",
          fields: [{ var: "node", type: "list-single", label: "Node", required: true, options: s.registry.nodes().map((n) => ({ label: `${n.node} at ${n.service}`, value: nodeUri(n) })) }],
        }),
      submit(who, v) {
        const node = s.registry.node(one(v, "node"));
        if (!node) return { kind: "done", note: "I do not publish to that node.", error: true };
        return run("node", who, [node.service, node.node, "forget"]);
      },
    },
    {
      node: "room-config",
      name: "Configure a room",
      command: "room",
      start: () => form({ title: "Configure a room", fields: [{ var: "room", type: "list-single", label: "Room", required: true, options: roomOptions() }] }, { stage: 1 }),
      async submit(_who, v, state) {
        if ((state as { stage?: number }).stage === 1) {
          const room = s.registry.room(one(v, "room"));
          if (!room) return { kind: "done", note: `I am not configured for “${one(v, "room")}”.`, error: true };
          const { summaryChars, mute, template, include, exclude, media } = room.settings;
          return form(
            {
              title: `Configure ${room.jid}`,
              fields: [
                { var: "feeds", type: "list-multi", label: "Feeds announced here", options: feedOptions(), values: room.feeds },
                { var: "summary", type: "text-single", label: "Summary length (0 = none)", values: [String(summaryChars)] },
                { var: "mute", type: "boolean", label: "Mute announcements", values: [mute ? "1" : "0"] },
                { var: "template", type: "text-multi", label: "Template (empty = default)", desc: "{title} {link} {summary} {author} {date} {feed} {categories}", values: template ? template.split("\n") : [] },
                { var: "include", type: "text-multi", label: "Only posts matching (one term a line; empty = all)", desc: "A word or phrase, or /regular expression/", values: [...(include ?? [])] },
                { var: "exclude", type: "text-multi", label: "Never posts matching (one term a line)", values: [...(exclude ?? [])] },
                { var: "media", type: "list-single", label: "Media with announcements", values: [media ?? "none"], options: MEDIA_SETTINGS.map((m) => ({ value: m })) },
              ],
            },
            { stage: 2, room: room.jid },
          );
        }
        const room = s.registry.room((state as { room: string }).room);
        if (!room) return { kind: "done", note: "That room was removed meanwhile.", error: true };
        const feeds = v.get("feeds") ?? [...room.feeds];
        const unknown = feeds.filter((f) => !s.registry.feed(f));
        if (unknown.length) return { kind: "done", note: `Unknown feeds: ${unknown.join(", ")}.`, error: true };
        const summaryText = one(v, "summary") || String(DEFAULT_ROOM_SETTINGS.summaryChars);
        const summaryChars = Number(summaryText);
        if (!/^\d+$/.test(summaryText) || (summaryChars !== 0 && (summaryChars < 40 || summaryChars > 1000))) {
          return { kind: "done", note: "Summary length must be 0 or 40 to 1000 characters.", error: true };
        }
        const templateText = (v.get("template") ?? []).join("\n").trim();
        let template: string | undefined;
        if (templateText) {
          const check = checkTemplate(templateText);
          if (!check.ok) return { kind: "done", note: `Template not set: ${check.error}.`, error: true };
          template = check.template;
        }
        const lines = (name: string) => (v.get(name) ?? []).map((t) => t.trim()).filter(Boolean);
        const include = lines("include");
        const exclude = lines("exclude");
        for (const term of [...include, ...exclude]) {
          const parsed = parseFilterTerm(term);
          if (!parsed.ok) return { kind: "done", note: `Filter not set: ${parsed.error}.`, error: true };
        }
        const mediaValue = one(v, "media") || "none";
        const media = MEDIA_SETTINGS.find((m) => m === mediaValue);
        if (media === undefined) return { kind: "done", note: `Media must be one of ${MEDIA_SETTINGS.join(", ")}.`, error: true };
        const settings = {
          ...room.settings,
          summaryChars,
          mute: isTrue(one(v, "mute")),
          template,
          include: include.length ? include : undefined,
          exclude: exclude.length ? exclude : undefined,
          media: media === "none" ? undefined : media,
        };
        await s.registry.putRoom({ ...room, feeds, settings });
        return {
          kind: "done",
          note: `Saved ${room.jid}: feeds ${feeds.join(", ") || "(none)"}; summary ${summaryChars || "off"}; mute ${settings.mute ? "on" : "off"}; template ${template ? "custom" : "default"}; filter ${include.length || exclude.length ? `${include.length} include, ${exclude.length} exclude` : "none"}; media ${media}.`,
        };
      },
    },
  ];
  return entries.map(fromTable);
}
