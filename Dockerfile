# The server image used by docker-compose.yml. Runs the TypeScript entry with tsx, as `npm start`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci applies patches/ (postinstall: patch-package) to the installed dependencies.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY seeds ./seeds
# The explorer page at / is build output: bundle and compress it into dist/explorer.
COPY web ./web
RUN npx tsx web/build.ts
ENV HOST=0.0.0.0 PORT=4000 NODE_ENV=production
EXPOSE 4000
# node itself is PID 1's child of nothing else, so SIGTERM from `docker stop` reaches the server.
CMD ["node", "--import", "tsx", "src/main.ts"]
