# The sidecar (and, from the same image, the simulated provider and the demo app).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24.21.0-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/stats/package.json packages/stats/
COPY packages/otel/package.json packages/otel/
COPY packages/sidecar/package.json packages/sidecar/
COPY packages/sim-provider/package.json packages/sim-provider/
COPY packages/dashboards/package.json packages/dashboards/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Sources only (no tests, no local node_modules or data).
COPY packages/stats/src packages/stats/src
COPY packages/otel/src packages/otel/src
COPY packages/sidecar/src packages/sidecar/src
COPY packages/sidecar/bin packages/sidecar/bin
COPY packages/sim-provider/src packages/sim-provider/src
COPY packages/sim-provider/bin packages/sim-provider/bin

RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 8080 4318
HEALTHCHECK --interval=10s --timeout=5s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "packages/sidecar/bin/behavior-rate.js"]
CMD ["serve", "--host=0.0.0.0"]
