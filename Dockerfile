# cantho-mail image (docs/admin-guide.en.md "Container"). Multi-stage: the native modules
# (better-sqlite3, argon2) are built in the first stage; the runtime stage has no compilers.
# Node 22 LTS (supported until April 2027); Node 24 LTS runs the same code (scripts/node24-smoke.sh).
FROM node:22-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY deploy/docker-entrypoint.sh ./deploy/docker-entrypoint.sh

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libcap2-bin \
 && setcap 'cap_net_bind_service=+ep' "$(readlink -f "$(command -v node)")" \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/cantho-mail --create-home --shell /usr/sbin/nologin cantho-mail \
 && mkdir -p /etc/cantho-mail && chown cantho-mail /etc/cantho-mail
WORKDIR /app
# Owned by root, read-only for the service user: the code and the shipped examples.
COPY --from=build --chown=root:root /app /app
USER cantho-mail
# The config lives in the /etc/cantho-mail volume (written once by init, then mount it read-only);
# the database, TLS pair and queue in /var/lib/cantho-mail.
# MALLOC_ARENA_MAX: see src/limits/memory-return.ts (glibc reads it only as the process starts).
ENV CANTHO_MAIL_CONFIG=/etc/cantho-mail/cantho-mail.toml NODE_ENV=production MALLOC_ARENA_MAX=2
VOLUME ["/var/lib/cantho-mail", "/etc/cantho-mail"]
EXPOSE 25 587 465 143 993 4190 389 636 8080 8443
# 200 while mail can be kept (ok or degraded: see the body), 503 when the database does not answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz >/dev/null || exit 1
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["serve"]
