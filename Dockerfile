# One image for the three Moor controllers; each Deployment picks its entry point
# (node /app/controllers/<name>/dist/main.js). Non-root, and runs with a read-only root
# filesystem: controllers write only to /tmp and /data, which the chart mounts as emptyDirs.
#
#   docker build -t moor:dev .
#
# Pinned like hack/tools: change the versions there and here together.
ARG NODE_VERSION=24.21.0
ARG GO_VERSION=1.26
ARG KUSTOMIZE_VERSION=v5.8.2

# kustomize, built from its Go module (the kustomize controller runs the real binary).
FROM golang:${GO_VERSION}-bookworm AS kustomize
ARG KUSTOMIZE_VERSION
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath \
      -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/${KUSTOMIZE_VERSION}" \
      sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}

# Build the workspace, then keep only production dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY controllers controllers
COPY cli cli
COPY test/package.json test/package.json
RUN npm install --no-audit --no-fund \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund \
 && find packages controllers cli -name src -type d -prune -exec rm -rf {} + \
 && find . -name '*.tsbuildinfo' -delete

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages packages
COPY --from=build /src/controllers controllers
COPY --from=build /src/cli cli
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
USER 65532:65532
ENTRYPOINT ["node"]
CMD ["/app/controllers/source/dist/main.js"]
