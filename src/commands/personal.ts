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
      args: "<feed>",
      summary: "get a feed's new posts from me by direct message",
      admin: false,
      inRooms: false,
      run(ctx, [feed]) {
        if (!feed) throw new UserError("Subscribe to which feed? Say “feeds” to see them.");
        if (!s.registry.feed(feed)) throw new UserError(unknownFeed(s, feed));
        return s.subscriptions.subscribe(who(ctx), feed)
          ? `Subscribed: I will send you new posts from ${feed}. “unsubscribe ${feed}” stops them.`
          : `You are already subscribed to ${feed}.`;
      },
    }),
    command({
      name: "unsubscribe",
      args: "<feed>",
      summary: "stop a personal subscription",
      admin: false,
      inRooms: false,
      run(ctx, [feed]) {
        if (!feed) throw new UserError("Unsubscribe from which feed? Say “subscriptions” to see yours.");
        return s.subscriptions.unsubscribe(who(ctx), feed) ? `Unsubscribed from ${feed}.` : `You were not subscribed to ${feed}.`;
      },
    }),
    command({
      name: "subscriptions",
      summary: "the feeds you get by direct message",
      admin: false,
      inRooms: false,
      run(ctx) {
        const feeds = s.subscriptions.feedsOf(who(ctx));
        return feeds.length === 0 ? "You have no subscriptions. “subscribe <feed>” starts one." : `Your subscriptions: ${feeds.join(", ")}.`;
      },
    }),
  ];
}
