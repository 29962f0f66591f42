import type { PendingAnnouncement } from "../store/store.js";
import type { RoomSettings } from "../live/registry.js";
import { formatAnnouncement } from "./format.js";
import { renderTemplate } from "./template.js";
import { chooseAttachment } from "./media.js";
import type { OutgoingMessage } from "../targets/target.js";

/**
 * The text of one outbox message: a ready text as it is; a post with the room's template or the
 * default format at the room's summary length (a user's DM uses the defaults), then its footer.
 */
export function renderAnnouncement(a: PendingAnnouncement, settings: RoomSettings | undefined): string {
  if (a.body !== undefined) return a.body;
  const text = settings?.template
    ? renderTemplate(settings.template, a.entry, { feed: a.feed, summaryChars: settings.summaryChars })
    : formatAnnouncement(a.entry, settings ? { summaryChars: settings.summaryChars } : {});
  return a.footer ? `${text}\n${a.footer}` : text;
}

/**
 * Renders each message with its target's settings: a room's own (its template, summary length and
 * media), a person's the defaults.
 */
export function createRenderer(roomSettings: (room: string) => RoomSettings | undefined): (a: PendingAnnouncement) => OutgoingMessage {
  return (a) => {
    const settings = a.target.kind === "room" ? roomSettings(a.target.address) : undefined;
    const text = renderAnnouncement(a, settings);
    const attachment = a.entry === undefined ? undefined : chooseAttachment(a.entry, settings?.media);
    return attachment === undefined ? { text } : { text, attachment };
  };
}
