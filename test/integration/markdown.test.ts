// A folder of Markdown posts on the real file system: fs.watch tells the source to read again as
// soon as a post appears, and the read finds it. (No XMPP server needed.)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { markdownFolderSource } from "../../src/sources/markdown/source.js";
import { watchFolder } from "../../src/sources/markdown/watch.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "herald-watch-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const post = (title: string) => `---\ntitle: ${title}\ndate: 2026-03-01 10:00\n---\n\n${title} is here.\n`;

/** Resolves on the next onChange call. */
function nextChange(): { promise: Promise<void>; onChange: () => void } {
  let resolve!: () => void;
  let promise = new Promise<void>((r) => (resolve = r));
  return {
    get promise() {
      return promise;
    },
    onChange: () => {
      resolve();
      promise = new Promise<void>((r) => (resolve = r));
    },
  };
}

test("a post written into a subfolder is seen through the watcher and read at once", async () => {
  mkdirSync(join(dir, "2026"));
  writeFileSync(join(dir, "2026", "first.md"), post("First"));
  const read = markdownFolderSource({ path: dir, link: "https://blog.example.org/{slug}/" });
  const baseline = await read({ etag: undefined, lastModified: undefined });
  if (baseline.kind !== "entries") throw new Error("expected entries");
  expect(baseline.entries.map((e) => e.key)).toEqual(["md:first"]);

  const changes = nextChange();
  const watcher = watchFolder(dir, changes.onChange, { debounceMs: 50 });
  try {
    const changed = changes.promise;
    // An editor saving a file: several events in a row.
    writeFileSync(join(dir, "2026", "second.md"), post("Second"));
    writeFileSync(join(dir, "2026", "second.md"), post("Second"));
    await changed;
    const after = await read(baseline.validators);
    if (after.kind !== "entries") throw new Error("expected entries");
    expect(after.entries.map((e) => e.key).sort()).toEqual(["md:first", "md:second"]);
    expect(after.entries.find((e) => e.key === "md:second")!.link).toBe("https://blog.example.org/second/");
  } finally {
    watcher.close();
  }
});

test("watching a folder that does not exist reports the error and never throws", () => {
  const errors: Error[] = [];
  const watcher = watchFolder(join(dir, "missing"), () => undefined, { onError: (err) => errors.push(err) });
  expect(errors).toHaveLength(1);
  expect(errors[0]!.message).toMatch(/ENOENT/);
  expect(() => watcher.close()).not.toThrow();
});
