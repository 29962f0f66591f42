import { configuredFloodPolicy, planAnnouncements } from "../../../src/announce/flood-policy.js";
import type { Entry } from "../../../src/sources/entry.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const HOUR = 3_600_000;
const post = (key: string, hoursAgo: number | undefined, title = key): Entry => ({
  key,
  title,
  link: `https://blog.example.org/${key}/`,
  author: undefined,
  published: hoursAgo === undefined ? undefined : new Date(NOW - hoursAgo * HOUR),
  summaryHtml: "",
  categories: [],
});
const room = { kind: "room" as const, address: "r@muc" };
const user = { kind: "user" as const, address: "u@x" };
const policy = configuredFloodPolicy({ maxAgeMs: 7 * 24 * HOUR, maxPerRead: 5 })("blog", { title: "The Blog", link: "https://blog.example.org/" });
const capped = configuredFloodPolicy({ maxAgeMs: 7 * 24 * HOUR, maxPerRead: 2 })("blog", { title: "The Blog", link: "https://blog.example.org/" });

test("new posts are announced oldest first to every target; undated posts count as new", () => {
  const plan = planAnnouncements([post("c", 1), post("b", undefined), post("a", 3)], [room, user], NOW, policy);
  expect(plan.announcements.map((a) => `${a.target.kind}:${a.entryKey}`)).toEqual(["room:a", "room:b", "room:c", "user:a", "user:b", "user:c"]);
  expect(plan).toMatchObject({ tooOld: 0, folded: 0 });
});

test("posts older than max age are history; the cap keeps the newest and folds the rest into a footer with the blog's link", () => {
  const plan = planAnnouncements([post("d", 1), post("c", 2), post("b", 3), post("archive", 24 * 30)], [room], NOW, capped);
  expect(plan.announcements.map((a) => [a.entryKey, a.footer ?? null])).toEqual([
    ["c", null],
    ["d", "…and 1 more from The Blog: https://blog.example.org/"],
  ]);
  expect(plan).toMatchObject({ tooOld: 1, folded: 1 });
});

test("each target's filter applies before its cap: a filtered room gets its own newest matches", () => {
  const accepts = (target: { kind: string }, entry: Entry) => target.kind === "user" || entry.title.includes("omemo");
  const plan = planAnnouncements([post("e", 1, "omemo 3"), post("d", 2), post("c", 3, "omemo 2"), post("b", 4, "omemo 1")], [room, user], NOW, capped, accepts);
  expect(plan.announcements.filter((a) => a.target === room).map((a) => [a.entryKey, a.footer ?? null])).toEqual([
    ["c", null],
    ["e", "…and 1 more from The Blog: https://blog.example.org/"],
  ]);
  expect(plan.announcements.filter((a) => a.target === user).map((a) => a.entryKey)).toEqual(["d", "e"]);
});

test("no targets, no announcements", () => {
  expect(planAnnouncements([post("a", 1)], [], NOW, policy).announcements).toEqual([]);
});
