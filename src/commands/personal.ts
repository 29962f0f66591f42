import { parseTerms } from "./text.js";
import { command, UserError, type Command, type CommandContext } from "./command.js";
import type { CommandServices } from "./services.js";
import { unknownFeed } from "./reading.js";

/** Personal subscriptions: announcements by direct message. */
export function personalCommands(s: CommandServices): Command[] {
  const who = (ctx: CommandContext): string => {
    if (!ctx.sender) throw new UserError("I cannot tell who you are; ask me by direct message.");
    return ctx.sender;
  };
  return [
    command({
      name: "subscribe",
      args: "<feed> [words]",
      summary: "get a feed's new posts from me by direct message, all or only those matching a word",
      details: [
        "“subscribe xsf” sends every new post of xsf; “subscribe xsf omemo \"group chat\"” only posts matching one of the words (a whole word or phrase in any case, or a /regular expression/).",
        "Subscribing again with other words (or none) changes them.",
      ],
      admin: false,
      inRooms: false,
      async run(ctx, [feed], rest) {
        if (!feed) throw new UserError("Subscribe to which feed? Say “feeds” to see them.");
        if (!s.registry.feed(feed)) throw new UserError(unknownFeed(s, feed));
        const words = rest.replace(/^\s*\S+\s*/, "");
        const terms = words.trim() === "" ? [] : parseTerms(words, { wordsOnly: true });
        const matching = terms.length === 0 ? "new posts" : `new posts matching ${terms.map((t) => `“${t}”`).join(" or ")}`;
        return (await s.subscriptions.subscribe(who(ctx), feed, terms))
          ? `Subscribed: I will send you ${matching} from ${feed}. “unsubscribe ${feed}” stops them.`
          : `You are already subscribed to ${feed}${terms.length ? " with these words" : ""}.`;
      },
    }),
    command({
      name: "unsubscribe",
      args: "<feed>",
      summary: "stop a personal subscription",
      admin: false,
      inRooms: false,
      async run(ctx, [feed]) {
        if (!feed) throw new UserError("Unsubscribe from which feed? Say “subscriptions” to see yours.");
        return (await s.subscriptions.unsubscribe(who(ctx), feed)) ? `Unsubscribed from ${feed}.` : `You were not subscribed to ${feed}.`;
      },
    }),
    command({
      name: "subscriptions",
      summary: "the feeds you get by direct message",
      admin: false,
      inRooms: false,
      async run(ctx) {
        const subs = await s.subscriptions.subscriptionsOf(who(ctx));
        if (subs.length === 0) return "You have no subscriptions. “subscribe <feed>” starts one.";
        return `Your subscriptions: ${subs.map((sub) => (sub.terms.length ? `${sub.feed} (only ${sub.terms.map((t) => `“${t}”`).join(" or ")})` : sub.feed)).join(", ")}.`;
      },
    }),
  ];
}
