# telemetry-hub image. Three stages so the image that runs holds no compiler, no dev dependency
# and no TypeScript source:
#   build      all dependencies, compiles src/ to dist/ and builds the dashboard (also the stage
#              the compose file's `contract` service runs the store tests in);
#   prod-deps  production dependencies only (npm ci --omit=dev), native modules built here;
#   runtime    slim Node.js, non-root, the compiled hub and the production node_modules.
ARG NODE_IMAGE=node:22-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:dashboard --if-present && mkdir -p dashboard/dist

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}-slim AS runtime
ENV NODE_ENV=production \
    HUB_DATA_DIR=/data \
    HUB_HTTP_PORT=8080 \
    HUB_MQTT_PORT=1883
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/dashboard/dist ./dashboard/dist
# The official image's unprivileged "node" user; it joins "dialout" so a serial device passed in
# with `devices:` (group dialout on the host) can be opened.
RUN mkdir -p /data && chown node:node /data && usermod -aG dialout node
USER node
VOLUME ["/data"]
EXPOSE 8080 1883
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HUB_HTTP_PORT || 8080) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/telemetry-hub.js", "start"]
