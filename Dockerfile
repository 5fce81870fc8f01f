# syntax=docker/dockerfile:1
# One image, two roles:   node dist/server.js   (ingress, the default)
#                         node dist/worker.js   (Temporal worker; bundles dist/workflows at start-up)
# Also inside:            node dist/emulator/main.js (Genesys emulator), bin/desktop-alerts (CLI)

ARG NODE_IMAGE=node:24-slim

# ---- dependencies (all of them: the build needs TypeScript) ----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build -------------------------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- production node_modules (the worker's bundler and native modules are runtime deps) --------
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# HOST: the service binds to 127.0.0.1 by default; inside the container the port must be reachable.
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/desktop-alerts \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN ln -s /app/bin/desktop-alerts /usr/local/bin/desktop-alerts \
 && mkdir -p /var/lib/desktop-alerts \
 && chown node:node /var/lib/desktop-alerts
# The callback inbox (SQLite) lives in DATA_DIR: mount a volume there for the ingress.
VOLUME ["/var/lib/desktop-alerts"]
USER node
EXPOSE 8080
CMD ["node", "dist/server.js"]
