import { createInvitationGuard } from "../../../src/bot/invitation-guard.js";

test("one stranger gets three answers, the admins one note an hour; what was dropped is counted in the next note", () => {
  let t = 0;
  const guard = createInvitationGuard(() => t);
  const verdicts = Array.from({ length: 10 }, () => guard.judge("stranger@evil.example"));
  expect(verdicts.map((v) => v.answer)).toEqual([true, true, true, false, false, false, false, false, false, false]);
  expect(verdicts.filter((v) => v.answer && v.notify)).toHaveLength(1);
  t += 61 * 60_000;
  expect(guard.judge("stranger@evil.example")).toEqual({ answer: true, notify: true, droppedBefore: 7 });
});

test("many strangers at once: a bounded number answered, at most five notes", () => {
  const guard = createInvitationGuard(() => 0);
  const verdicts = Array.from({ length: 100 }, (_, i) => guard.judge(`s${i}@evil.example`));
  expect(verdicts.filter((v) => v.answer)).toHaveLength(20);
  expect(verdicts.filter((v) => v.answer && v.notify)).toHaveLength(5);
});
