# syntax=docker/dockerfile:1
# One image for the API and the agent worker; docker-compose.yml gives each its command.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's postinstall downloads CUDA files and fails offline; its CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# patches/ fixes a memory leak in @livekit/agents 1.9 (applied by the postinstall script).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
# The web client, and the agent worker bundled to plain JavaScript (a job process then starts in
# well under a second: nothing is transpiled when a call arrives).
RUN npm run build && npm run build:agent && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
# Offline speech: espeak-ng (TTS), pocketsphinx (STT); ffmpeg for the built-in RTMP output.
RUN apt-get update \
  && apt-get install -y --no-install-recommends espeak-ng pocketsphinx pocketsphinx-en-us ffmpeg ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
  ONNXRUNTIME_NODE_INSTALL=skip \
  HOST=0.0.0.0 \
  PORT=3000
COPY --from=build --chown=node:node /app /app
# PGlite's data directory when DATABASE_URL is unset, and the agent's report spool; mount volumes
# here to keep them (a fresh named volume takes the directory's owner, so node can write to it).
RUN mkdir -p /app/data/agent-spool && chown -R node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/main.ts"]
