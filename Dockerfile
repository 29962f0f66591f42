# Herald: multi-stage build. Dependencies are installed from the lock (npm ci) in stages of their
# own, before any source is copied, so a source change re-uses them; the build stage compiles
# TypeScript; the runtime stage has production dependencies only (no dev tools, no optional
# better-sqlite3: Node 24 uses its built-in node:sqlite) and runs as the unprivileged `node` user.
# CI builds and runs this image (.ci/image-build.sh).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Only for a build behind a TLS-intercepting proxy (CI): the path of a CA bundle mounted into the
# build (podman build -v BUNDLE:/run/host-ca.pem:ro --build-arg HOST_CA_FILE=/run/host-ca.pem).
# The bundle is mounted, never copied, and this stage is not part of the runtime image.
ARG HOST_CA_FILE=
# --ignore-scripts: no production dependency needs an install script on Node 24.
RUN if [ -n "$HOST_CA_FILE" ]; then export NODE_EXTRA_CA_CERTS="$HOST_CA_FILE"; fi \
 && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
ARG HOST_CA_FILE=
# All dependencies (TypeScript); --ignore-scripts also skips `prepare`: the build is the next step.
RUN if [ -n "$HOST_CA_FILE" ]; then export NODE_EXTRA_CA_CERTS="$HOST_CA_FILE"; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY types ./types
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim
ENV NODE_ENV=production HERALD_CONFIG=/config/herald.yaml LOG_FORMAT=json
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config/herald.example.yaml ./config/herald.example.yaml
# State lives in the /data volume. A config without `store:` uses the default data/herald.db,
# relative to /app: /app/data points into the volume, so that default is writable by `node` too.
RUN mkdir -p /data /config && chown node:node /data && ln -s /data /app/data
USER node
VOLUME ["/data"]
# The container's config sets `store: /data/herald.db` and `http: { listen: 0.0.0.0:9464 }`
# (config/examples/herald.docker.yaml); the health check asks /healthz (online and in every room).
ENV HERALD_HEALTH_URL=http://127.0.0.1:9464/healthz
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["node", "-e", "fetch(process.env.HERALD_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A 2 MB young generation: Node 24's default let an idle Herald hold ~60 MB more (npm run bench,
# scale scenario: 186 MB → 129 MB resident with 1,000 feeds, 200 rooms, 50,000 posts).
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/cli.js"]
CMD ["run"]
