# syntax=docker/dockerfile:1.7
# The Bulkhead image: `bulkhead operator` and `bulkhead api` (the chart passes the command as args).
# Build: docker build -t ghcr.io/bulkhead-dev/bulkhead:0.1.0 .
# Without Docker, `make image` builds the same image (hack/image/build-image.ts): the same entrypoint,
# user, environment and files, checked by e2e/image.spec.ts.

ARG NODE_VERSION=20.19
ARG HELM_VERSION=v3.22.0

# ---- build: compile operator/src to JavaScript -------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# The workspace manifests first, so the dependency layer is cached across source changes.
COPY package.json package-lock.json tsconfig.base.json ./
COPY operator/package.json operator/
COPY testenv/package.json testenv/
COPY pulumi/package.json pulumi/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY operator/src operator/src
# The same compile as `make image` (hack/image/build-image.ts): operator/src to dist/, no tests.
COPY tsconfig.build.json ./
RUN npx tsc -p tsconfig.build.json
# Production dependencies of the operator package only (no testenv, pulumi or dev tools).
RUN rm -rf node_modules && npm ci --ignore-scripts --no-audit --no-fund --omit=dev --workspace operator --include-workspace-root=false

# ---- helm: the operator renders each tenant's product chart with `helm template` ------------------
FROM debian:bookworm-slim AS helm
ARG HELM_VERSION
ARG TARGETARCH=amd64
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
RUN curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && curl -fsSLo /tmp/helm.tgz.sha256sum "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" \
 && echo "$(cut -d' ' -f1 /tmp/helm.tgz.sha256sum)  /tmp/helm.tgz" | sha256sum -c - \
 && tar -xzf /tmp/helm.tgz -C /tmp && install -m 0755 "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm

# ---- runtime ----------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
# pg_dump and pg_restore for the Snapshot deletion policy (the test servers run PostgreSQL 15).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY operator/package.json ./package.json
# The chart runs it as 65532 with a read-only root filesystem; /tmp is an emptyDir.
USER 65532:65532
ENV NODE_ENV=production HOME=/tmp
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/cli/main.js"]
CMD ["help"]
