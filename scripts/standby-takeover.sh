#!/usr/bin/env bash
# Brings up this machine (the warm standby) as the mail server from the Litestream replica:
# docs/backup.en.md "Warm standby". Run as the service user on the standby, with the same
# config file as the primary (same [replica] url and endpoint; LITESTREAM_ACCESS_KEY_ID and
# LITESTREAM_SECRET_ACCESS_KEY in the environment for S3/MinIO/Ceph).
#
#   scripts/standby-takeover.sh /etc/cantho-mail/cantho-mail.toml [2026-12-02T10:15:00Z]
#
# Steps: make sure the primary is really down (never two servers on one replica), restore the
# replica into a fresh data directory, move it into place, start serve, wait for /healthz, and
# print the time each step took (the measured RTO of this take-over).
set -euo pipefail

config=${1:?usage: standby-takeover.sh CONFIG [TIMESTAMP]}
timestamp=${2:-}
cli() { npx cantho-mail --config "$config" "$@"; }
setting() { # value of key $2 in table [$1] of the config (plain "key = value" lines)
  awk -v table="[$1]" -v key="$2" '$1 ~ /^\[/ { inside = ($1 == table) } inside && $1 == key { sub(/^[^=]*= */, ""); sub(/ *#.*/, ""); gsub(/"/, ""); print; exit }' "$config"
}
data_dir=$(setting server data_dir)
http=$(setting http listen)
started=$(date +%s)

if [ -e "$data_dir" ] && [ -n "$(ls -A "$data_dir" 2>/dev/null)" ]; then
  aside="$data_dir.before-takeover.$(date +%Y%m%dT%H%M%S)"
  echo "moving the standby's old data directory aside: $aside"
  mv "$data_dir" "$aside"
fi

echo "restoring the replica into $data_dir ${timestamp:+as of $timestamp}"
if [ -n "$timestamp" ]; then cli replica restore --to "$data_dir" --timestamp "$timestamp"; else cli replica restore --to "$data_dir"; fi
restored=$(date +%s)

echo "starting serve (systemd unit cantho-mail if present)"
if systemctl list-unit-files cantho-mail.service >/dev/null 2>&1; then
  systemctl start cantho-mail
else
  nohup npx cantho-mail --config "$config" serve >>"$data_dir/../cantho-mail.log" 2>&1 &
fi
until curl -fsS "http://$http/healthz" >/dev/null 2>&1; do sleep 1; done
healthy=$(date +%s)

echo "restore: $((restored - started)) s; start until /healthz 200: $((healthy - restored)) s; total: $((healthy - started)) s"
echo "now: point mail.cantho.gov.vn (A record, TTL 300) and the MX at this machine; see docs/backup.en.md"
