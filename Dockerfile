# The KPP stack (broker, simulator, writer: `kpp up`) for docker-compose.yml.
# Build context: the repository root (see .dockerignore).
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY . .
# `npm ci` runs the root `prepare` script: every workspace and the Grafana plugin are built.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
# MQTT (TCP), MQTT over WebSocket, broker metrics and health (/metrics, /healthz, /readyz).
EXPOSE 1883 8083 9090
CMD ["node", "cli/dist/bin/kpp.js", "up", "--no-local-influx", "--data-dir", "/data"]
