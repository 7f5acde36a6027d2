# syntax=docker/dockerfile:1
# Not built on the machine this was written on (no Docker engine there): see docs/operations.md, "Deploying".

# better-sqlite3 and secp256k1 compile when no prebuilt binary fits, so both dependency stages have a toolchain.
FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# swagger-ui-dist pulls @scarf/scarf, whose install script phones home.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM toolchain AS production-dependencies
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The admin page's files are read at start-up, from beside dist/.
COPY admin-page ./admin-page
COPY package.json ./
# The image's own `node` user (uid 1000) owns only the data directory: the code is read-only to it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Ready means the event store answers and the read models keep up; a probe that hangs counts as a failure.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The same heap cap as `npm start` (docs/operations.md, "Running"); exec form, so SIGTERM reaches Node and stores close cleanly.
CMD ["node", "--max-old-space-size=256", "dist/main.js"]
