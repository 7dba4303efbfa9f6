# syntax=docker/dockerfile:1
# Hadir: one container serving the PWA and the API. Data (embedded database, secret, photos) lives in /app/data;
# set DATABASE_URL to use an external PostgreSQL instead of the embedded one.
# scripts/docker-steps.mjs runs these same steps without Docker and is part of `npm test`.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# onnxruntime-node bundles its CPU binaries; its postinstall would fetch CUDA files from nuget.org that Hadir never uses.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HADIR_DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server/index.js"]
