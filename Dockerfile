# The CHAT-MSG Lab images, one multi-stage build (see README "Docker lab"):
#   --target runtime  the server, the client, the lab agent and the scenario runner (non-root, no dev deps)
#   --target capture  tcpdump, for the capture sidecar
# Base images are build arguments: offline machines point them at scripts/build-base-images.sh's images.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG DEBIAN_IMAGE=debian:bookworm-slim

# Compile the TypeScript once: esbuild transpiles src/ file by file into the same dist/ layout as
# `npm run build`, in a second instead of a minute; type checking is `npm test`'s job, not the image's.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx esbuild $(find src -name '*.ts' ! -name '*.d.ts') --outbase=src --outdir=dist \
      --platform=node --format=esm --target=node20 --log-level=warning

FROM ${NODE_IMAGE} AS runtime
# iproute2: tc netem for the wan option. The server and client use Node built-ins only.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json ./
COPY scenarios ./scenarios
COPY docker/entrypoint.sh /usr/local/bin/chatmsg-entrypoint
COPY docker/netem.sh /usr/local/bin/chatmsg-netem
# Executable even from a checkout that lost the mode bits (Windows, zip downloads).
RUN chmod 0755 /usr/local/bin/chatmsg-entrypoint /usr/local/bin/chatmsg-netem
COPY --from=build /src/dist ./dist
ENV NO_COLOR=1
USER node
ENTRYPOINT ["chatmsg-entrypoint"]
CMD ["node", "dist/cli/lab-agent.js", "--once"]

FROM ${DEBIAN_IMAGE} AS capture
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tcpdump \
 && rm -rf /var/lib/apt/lists/*
COPY docker/capture.sh /usr/local/bin/chatmsg-capture
RUN chmod 0755 /usr/local/bin/chatmsg-capture
ENTRYPOINT ["chatmsg-capture"]
