# The server image (docker-compose.yml uses it). Two stages: the first installs everything and
# compiles src/ to dist/, the second holds only production dependencies, the compiled code and
# the data it reads (migrations, seeds), and runs as the unprivileged `node` user.
#
# NODE_IMAGE is the current Node LTS image. Where no registry is reachable, make a stand-in with
# docker/local-node-base.sh and build with --build-arg NODE_IMAGE=pickgraph/node-base:local.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/explorer-stale.mjs ./scripts/
COPY src ./src
# The explorer page at / is build output too: bundled and pre-compressed into dist/explorer.
COPY web ./web
RUN npm run build

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
COPY package.json package-lock.json ./
# postgres.js carries a patch (patches/, porsager/postgres#1119): applied here because install
# scripts are off (`prepare` would try to build).
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npx patch-package --error-on-fail \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
COPY seeds ./seeds
# GraphiQL opens with documents/DeepWalk.graphql (src/app.ts).
COPY documents ./documents
# The migrated and the seeded PGlite templates (node_modules/.cache/pickgraph; see
# src/db/pglite-template.ts and src/editing/seed-template.ts), made now: node_modules is not
# writable by the `node` user, so without them every container starting on an empty data folder
# would pay PGlite's initdb, the migrations and the seed instead of a copy.
# Readable by all: Postgres writes some of its files 0600, and the server runs as `node`.
RUN node -e 'import("./dist/editing/seed-template.js").then(async ({ seededTemplate }) => { \
    const folder = await seededTemplate(); if (!folder) throw new Error("no PGlite template"); \
    console.log(`PGlite templates (migrated, then seeded): ${folder}`); })' \
  && chmod -R a+rX node_modules/.cache/pickgraph
# The embedded database's default folder, the one place the server writes (mount a volume there).
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 4000
# /health is the liveness endpoint: it answers as soon as the server listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 itself (no npm, no shell), so `docker stop`'s SIGTERM reaches the server.
CMD ["node", "dist/main.js"]
