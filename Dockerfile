# One image for every app; the compose file picks the entry point (and the healthcheck, which
# probes each app's own /readyz port) per service.
# Pinned to a release (Node 20's last), not a floating tag: a rebuild gets the same runtime.
# Two stages: the build stage bundles every entry point with esbuild (npm run build, a dev
# dependency); the image runs those bundles as plain JavaScript, with production packages only.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
# Only esbuild runs here: no install script is needed (aerospike's native addon is installed in
# the image stage, where it runs).
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN npm run build

FROM node:20.20.2-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The workspaces' package.json files for npm ci, the web console's files (apps/admin/console)
# and the sources the bundles' source maps point at.
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production
USER node
CMD ["node", "--enable-source-maps", "dist/ingress/main.js"]
