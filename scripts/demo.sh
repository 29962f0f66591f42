#!/usr/bin/env bash
# One command to see Herald work on a fresh machine: installs what is missing, then runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v prosody >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prosody openssl >/dev/null
  else
    echo "The demo needs Prosody and openssl: sudo apt-get install -y prosody openssl" >&2
    exit 1
  fi
fi
[ -d node_modules ] || npm install --no-audit --no-fund
npm run -s demo
