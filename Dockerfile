# syntax=docker/dockerfile:1
# agent-ledger: one image, every role (agent-ledger all | receiver | worker | query).
# Not built in this repository's CI (no container engine there): tests/unit/image-files.test.ts checks its invariants.

# Build: every dependency, the TypeScript compiled to dist/.
FROM node:22-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY instrumentation/package.json instrumentation/
# no scripts: the root's `prepare` would build before the sources are here, and the compiler needs no native module
RUN npm ci --ignore-scripts
COPY tsconfig.base.json tsconfig.json ./
COPY model model
COPY config config
COPY auth auth
COPY collector collector
COPY exporters exporters
COPY query-api query-api
COPY cli cli
COPY observability observability
COPY bench bench
COPY faults faults
COPY tests/helpers tests/helpers
COPY console console
# the web console: Vite writes dist/console, which the query role serves at /
RUN npx tsc -p tsconfig.json && npx vite build --config console/vite.config.ts --logLevel warn && rm -rf dist/bench dist/faults dist/tests

# Production dependencies only, from the lockfile. The full bookworm image has the compilers
# better-sqlite3 falls back to when no prebuilt binary fits; the slim runtime has the same glibc.
FROM node:22-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY instrumentation/package.json instrumentation/
# --ignore-scripts skips the root's `prepare` (tsc, a dev dependency); the native binding is then built by name.
# Node 22 loads better-sqlite3 13 (exporters/sqlite/driver.ts); the optional better-sqlite3-v12 serves Node 20 only.
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

# Runtime: slim, non-root, production dependencies and the compiled code only.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    AGENT_LEDGER_HOST=0.0.0.0 \
    AGENT_LEDGER_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# the code stays root's (read-only to the server); only the data directory is the server's
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
# query API, OTLP/HTTP, OTLP/gRPC, metrics (receiver and worker answer /readyz there)
EXPOSE 8080 4318 4317 9464
# probes the role's /readyz with node itself (no curl in slim images); the role comes from the command line
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/cli/healthcheck.js"]
ENTRYPOINT ["node", "dist/cli/main.js"]
# the same default as `npm start`
CMD ["all"]
