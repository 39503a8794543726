#!/bin/sh
# Container entrypoint (docs/admin-guide.en.md "Container"): on an empty /etc/cantho-mail volume,
# `cantho-mail init --production` writes the config, spam rules and DKIM key and prints the DNS
# records once; afterwards the existing files are used as they are (init never overwrites).
set -eu
APP="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="${CANTHO_MAIL_CONFIG:-/etc/cantho-mail/cantho-mail.toml}"
if [ ! -e "$CONFIG" ]; then
  node "$APP/bin/cantho-mail.mjs" init --production --data-dir "${CANTHO_MAIL_DATA_DIR:-/var/lib/cantho-mail}" \
    ${CANTHO_MAIL_DOMAIN:+--domain "$CANTHO_MAIL_DOMAIN"} ${CANTHO_MAIL_HOSTNAME:+--hostname "$CANTHO_MAIL_HOSTNAME"} \
    ${CANTHO_MAIL_CLAMD:+--clamd "$CANTHO_MAIL_CLAMD"} \
    "$(dirname "$CONFIG")"
fi
exec node "$APP/bin/cantho-mail.mjs" "$@"
