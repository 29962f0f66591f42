#!/usr/bin/env bash
# One command to see Herald work on a fresh machine: installs what is missing, then runs the demo.
# Every step that takes more than a moment says so first.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n▶ %s\n' "$*"; }
if ! command -v prosody >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    step "Installing Prosody and openssl with apt-get (Debian packages; about 30 s) …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prosody openssl >/dev/null
  else
    echo "The demo needs Prosody and openssl: sudo apt-get install -y prosody openssl" >&2
    exit 1
  fi
fi
if [ ! -d node_modules ]; then
  case "$(node -p 'process.versions.node.split(".")[0]')" in
    20|21) note="about 2 minutes: on Node $(node --version) the SQLite addon better-sqlite3 is compiled" ;;
    *) note="under a minute" ;;
  esac
  step "Installing dependencies with npm ci ($note) …"
  npm ci --no-audit --no-fund --loglevel=error
fi
step "Building Herald (TypeScript → dist/) and the demo script …"
npm run -s demo
