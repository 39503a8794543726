# cantho-mail — the same steps as README.md's start command, in an image.
# No Docker engine runs on the development machines, so this file is kept in step with the README
# (whose commands the tests exercise) rather than built there.
FROM node:20-bookworm-slim

# Build tools for better-sqlite3 and argon2 when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY config ./config

# Non-root: binding ports below 1024 is granted to node alone.
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin \
 && setcap 'cap_net_bind_service=+ep' "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/cantho-mail --create-home cantho-mail \
 && mkdir -p /etc/cantho-mail && chown cantho-mail /etc/cantho-mail
USER cantho-mail

ENV CANTHO_MAIL_CONFIG=/etc/cantho-mail/cantho-mail.toml
VOLUME ["/var/lib/cantho-mail", "/etc/cantho-mail"]
EXPOSE 25 587 465 143 993 8080
CMD ["node", "bin/cantho-mail.mjs", "serve"]
