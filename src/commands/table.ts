import { command, UserError, type Command } from "./command.js";
import type { CommandServices } from "./services.js";
import { readingCommands } from "./reading.js";
import { personalCommands } from "./personal.js";
import { roomCommands } from "./admin-rooms.js";
import { feedCommands } from "./admin-feeds.js";
import { nodeCommands } from "./admin-nodes.js";

/** Every command, in the order help lists them. Help is generated from this table. */
export function commandTable(s: CommandServices, nick: string): Command[] {
  const table: Command[] = [...readingCommands(s), ...personalCommands(s), ...roomCommands(s), ...nodeCommands(s), ...feedCommands(s)];
  const help = command({
    name: "help",
    args: "[command]",
    summary: "what I can do, or how to use one command",
    admin: false,
    inRooms: true,
    run(ctx, args) {
      const all = [help, ...table];
      if (args.length > 0) {
        const wanted = args.join(" ").toLowerCase();
        const found = all.find((c) => c.name === wanted) ?? all.find((c) => c.name.startsWith(`${wanted} `));
        if (!found) throw new UserError(`There is no command “${wanted}”. Say “help” for the list.`);
        return [`${found.name}${found.args ? ` ${found.args}` : ""}: ${found.summary}.`, ...(found.details ?? []), found.admin ? "Admins only." : ""]
          .filter(Boolean)
          .join("\n");
      }
      const line = (c: Command) => `  ${c.name}${c.args ? ` ${c.args}` : ""}: ${c.summary}`;
      if (ctx.place.kind === "room") {
        return [`In this room, say “!command” or “${nick}: command”:`, ...all.filter((c) => c.inRooms).map(line), "More by direct message."].join("\n");
      }
      const out = ["Commands (say them to me here):", ...all.filter((c) => !c.admin).map(line)];
      if (ctx.isAdmin) out.push("For admins:", ...all.filter((c) => c.admin).map(line));
      out.push("“help <command>” tells more. Admins can also use their client's command menu (ad-hoc commands).");
      return out.join("\n");
    },
  });
  return [help, ...table];
}
