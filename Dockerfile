# syntax=docker/dockerfile:1
# alertwire: a build stage compiles the server and the console; the runtime stage holds the
# compiled files and the production dependencies only, and runs as a user without privileges.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles its native module when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# npm ci builds the server and the console (the prepare script); prune then drops the build tools.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ALERTWIRE_DATA_DIR=/var/lib/alertwire \
    ALERTWIRE_HOST=0.0.0.0 \
    ALERTWIRE_PORT=8001
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/knowledge ./knowledge
RUN groupadd --system --gid 10001 alertwire \
 && useradd --system --uid 10001 --gid alertwire --home-dir /var/lib/alertwire --shell /usr/sbin/nologin alertwire \
 && mkdir -p /var/lib/alertwire \
 && chown alertwire:alertwire /var/lib/alertwire
USER 10001:10001
VOLUME ["/var/lib/alertwire"]
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ALERTWIRE_PORT || 8001) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself, so docker stop drains.
CMD ["node", "--max-semi-space-size=8", "dist/main.js", "serve"]
