/** What a room takes along with an announcement (XEP-0066): nothing, a post's audio or video, or also its picture. */
export type MediaSetting = "none" | "enclosures" | "all";
export const MEDIA_SETTINGS: readonly MediaSetting[] = ["none", "enclosures", "all"];
