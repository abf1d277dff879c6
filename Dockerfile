# One image for every app; the compose file picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm ci --omit=dev --no-audit --no-fund
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "apps/ingress/src/main.ts"]
