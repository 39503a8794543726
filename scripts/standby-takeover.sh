#!/usr/bin/env bash
# Brings up this machine (the warm standby) as the mail server from the Litestream replica:
# docs/backup.en.md "Warm standby". Run as the service user on the standby, with the standby's
# config file (same [replica] url and endpoint as the primary; LITESTREAM_ACCESS_KEY_ID and
# LITESTREAM_SECRET_ACCESS_KEY in the environment for S3/MinIO/Ceph).
#
#   scripts/standby-takeover.sh /etc/cantho-mail/cantho-mail.toml [2026-12-02T10:15:00Z]
#
# Steps: refuse if a cantho-mail already answers on this config's web listener (never two
# servers on one replica: the primary must be powered off first, docs step 1), restore the
# replica into a fresh data directory (an old one is moved aside), start serve, wait for
# /healthz, and print the time each step took (the measured RTO of this take-over).
# Uses the cantho-mail of the checkout this script is in (never `npx`, which outside the
# checkout would fetch a package of that name from the registry).
set -euo pipefail

config=${1:?usage: standby-takeover.sh CONFIG [TIMESTAMP]}
timestamp=${2:-}
[ -r "$config" ] || { echo "standby-takeover: cannot read $config" >&2; exit 1; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli() { node "$root/bin/cantho-mail.mjs" --config "$config" "$@"; }
setting() { # value of key $2 in table [$1] of the config (plain "key = value" lines)
  awk -v table="[$1]" -v key="$2" '$1 ~ /^\[/ { inside = ($1 == table) } inside && $1 == key { sub(/^[^=]*= */, ""); sub(/ *#.*/, ""); gsub(/"/, ""); print; exit }' "$config"
}
data_dir=$(setting server data_dir)
http=$(setting http listen)
[ -n "$data_dir" ] && [ -n "$http" ] || { echo "standby-takeover: $config lacks [server] data_dir or [http] listen" >&2; exit 1; }
# The healthz deadline: a cold start on a loaded machine takes tens of seconds.
healthz_timeout=${HEALTHZ_TIMEOUT:-300}
started=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

if curl -fsS -o /dev/null --max-time 5 "http://$http/healthz" 2>/dev/null; then
  echo "standby-takeover: a cantho-mail already answers at http://$http: stop it first (two servers must never write one replica)" >&2
  exit 1
fi

if [ -e "$data_dir" ] && [ -n "$(ls -A "$data_dir" 2>/dev/null)" ]; then
  aside="$data_dir.before-takeover.$(date +%Y%m%dT%H%M%S)"
  echo "moving the standby's old data directory aside: $aside"
  mv "$data_dir" "$aside"
fi

echo "restoring the replica into $data_dir${timestamp:+ as of $timestamp}"
if [ -n "$timestamp" ]; then cli replica restore --to "$data_dir" --timestamp "$timestamp"; else cli replica restore --to "$data_dir"; fi
restore_ms=$(ms_since "$started")
serve_started=$(date +%s%N)

if [ -d /run/systemd/system ] && systemctl cat cantho-mail.service >/dev/null 2>&1; then
  echo "starting serve: systemctl start cantho-mail"
  systemctl start cantho-mail
  pid=""
else
  log="${data_dir%/}.log"
  nohup node "$root/bin/cantho-mail.mjs" --config "$config" serve >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "started serve: pid $pid, log $log"
fi
deadline=$(( $(date +%s) + healthz_timeout ))
until curl -fsS -o /dev/null --max-time 5 "http://$http/healthz" 2>/dev/null; do
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    echo "standby-takeover: serve exited during start-up; see $log" >&2
    exit 1
  fi
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "standby-takeover: no 200 from http://$http/healthz within $healthz_timeout s" >&2
    exit 1
  fi
  sleep 0.5
done
start_ms=$(ms_since "$serve_started")

echo "restore: $restore_ms ms; start until /healthz 200: $start_ms ms; total: $(ms_since "$started") ms"
echo "now: point mail.cantho.gov.vn (A record, TTL 300) and the MX at this machine; see docs/backup.en.md"
