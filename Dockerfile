# One image for every app; the compose file picks the entry point (and the healthcheck, which
# probes each app's own /readyz port) per service.
# Pinned to a release (Node 20's last), not a floating tag: a rebuild gets the same runtime.
FROM node:20.20.2-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm ci --omit=dev --no-audit --no-fund
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "apps/ingress/src/main.ts"]
