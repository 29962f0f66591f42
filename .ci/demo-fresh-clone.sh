#!/usr/bin/env bash
# The README's first command, as a new user runs it: `bash scripts/demo.sh` in a fresh clone with no
# node_modules. Checks that it says what it is doing before the slow steps (npm ci, the build),
# that the reader sees the announcements, and that it leaves no temporary folder behind (it held
# the bot's password). Usage: .ci/demo-fresh-clone.sh (from the repository root).
set -euo pipefail
root=$(pwd)
work=$(mktemp -d /tmp/herald-ci-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/clone"
mkdir "$work/tmp"
start=$(date +%s)
(cd "$work/clone" && TMPDIR="$work/tmp" bash scripts/demo.sh) 2>&1 | tee "$work/demo.out"
echo "demo: $(( $(date +%s) - start )) s including npm ci"
fail() { echo "demo check failed: $*" >&2; exit 1; }
grep -q '^▶ Installing dependencies with npm ci' "$work/demo.out" || fail "no message before npm ci"
grep -q '^▶ Building Herald' "$work/demo.out" || fail "no message before the build"
grep -q '│ \*Herald 0.1 is out\* — The Herald team' "$work/demo.out" || fail "the reader never saw the first announcement"
grep -q '│ \*XMPP Summit notes\*' "$work/demo.out" || fail "the reader never saw the second announcement"
grep -q 'removed .*herald-demo-' "$work/demo.out" || fail "the demo did not say it removed its folder"
leftover=$(ls -A "$work/tmp")
[ -z "$leftover" ] || fail "left behind in TMPDIR: $leftover"
echo "demo: OK (messages before npm ci and the build, two announcements, nothing left in TMPDIR)"
