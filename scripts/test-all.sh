#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Node 20, then runs the
# whole suite. README.md shows this command; .ci/run calls it. Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Real peers the tests talk to: clamd (virus scans), swaks, mutt, mbsync, curl, Python's
# imaplib/smtplib, OpenLDAP's ldapsearch/ldapwhoami, vdirsyncer (a CardDAV client), Chromium for
# the web page's browser tests, Dovecot for the differential IMAP suite (test/interop/dovecot-diff.test.ts, which starts its
# own private instance), and PostgreSQL's server programs for the PostgreSQL store (one private cluster
# for the run, test/helpers/postgres-suite.ts; the failover and contract files start their own).
DEBIAN_PACKAGES=(clamav-daemon clamdscan swaks libnet-ssleay-perl libio-socket-ssl-perl mutt isync curl python3 python3-sievelib ldap-utils vdirsyncer chromium ca-certificates dovecot-imapd postgresql-15 haproxy)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts clamd and freshclam as services on install; the tests run their own clamd with a
# tiny signature database, so the packaged ones are not needed (and cannot download signatures here).
as_root systemctl stop clamav-daemon clamav-freshclam >/dev/null 2>&1 || true
# Likewise the packaged Dovecot: no second IMAP server on 143/993 next to the tests.
as_root systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
# And the packaged PostgreSQL cluster: the tests start their own.
as_root systemctl disable --now postgresql.service >/dev/null 2>&1 || true

npm ci --no-audit --no-fund

npx tsc --noEmit

# One door per module and no import cycles (docs/architecture.md "Modules"), before the tests.
node scripts/check-imports.mjs

report=$(mktemp)
smoke_report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# The same code on a supported LTS (Node 24), a few files; its tests count in the last line.
smoke_status=0
bash scripts/lts-smoke.sh "$smoke_report" || smoke_status=$?
node -e '
  const fs = require("fs");
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  // Wall time and the slowest files, so a test that grew slow is seen in every CI log.
  const files = r.testResults.map((f) => ({ name: require("path").relative(process.cwd(), f.name), ms: f.endTime - f.startTime }));
  const wall = Math.max(...r.testResults.map((f) => f.endTime)) - r.startTime;
  console.log(`suite wall time ${(wall / 1000).toFixed(1)} s; slowest files:`);
  for (const f of files.sort((a, b) => b.ms - a.ms).slice(0, 10)) console.log(`  ${(f.ms / 1000).toFixed(1).padStart(7)} s  ${f.name}`);
  let smoke = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
  try { smoke = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); } catch {}
  // A smoke run that failed before its tests (install, build) counts as one failure.
  const smokeFailed = process.argv[3] !== "0" && smoke.numFailedTests === 0 ? 1 : smoke.numFailedTests;
  console.log(`Node 24 smoke: ${smoke.numPassedTests} passed, ${smokeFailed} failed`);
  const passed = r.numPassedTests + smoke.numPassedTests;
  const failed = r.numFailedTests + smokeFailed;
  const skipped = r.numPendingTests + r.numTodoTests + smoke.numPendingTests + smoke.numTodoTests;
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0 || failed > 0 || !r.success) process.exitCode = 1;
' "$report" "$smoke_report" "$smoke_status" || status=1
rm -f "$report" "$smoke_report"
exit "$status"
