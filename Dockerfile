# vendo-webhooks: the deployable webhook endpoint in a small image.
#
#   docker build -t vendo-webhooks .
#   docker run --rm -p 8080:8080 -e VENDO_WEBHOOK_SECRET=whsec_... vendo-webhooks
#
# See docs/docker.md for what was verified without a Docker engine.

# The build image: the official Swift image on the same Debian as the runtime
# stage, pinned to the toolchain the project is developed and tested with.
ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------- build
FROM ${SWIFT_IMAGE} AS build

# The COpenSSL system-library target finds libcrypto through pkg-config.
# (No libcurl: the endpoint links FoundationEssentials only, not
# FoundationNetworking.)
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libssl-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, so editing sources does not fetch them again.
# (Package.resolve[d]: copied when present, no error when not.)
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve

COPY . .

# --static-swift-stdlib links the Swift runtime and FoundationEssentials into
# the binary; what is left are the C libraries installed in the runtime stage.
# The endpoint does not depend on the Vendo SDK target, so there is no
# resource bundle to stage: the binary is all.
RUN swift build -c release --static-swift-stdlib --product vendo-webhooks \
    && mkdir -p /staging \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && cp "$bin/vendo-webhooks" /staging/

# ---------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE}

# Only what the statically linked binary still needs at run time (readelf -d:
# libc, libm, libstdc++, libgcc_s, libcrypto): the C and C++ runtimes and
# OpenSSL's libcrypto. ca-certificates stays for --exec handlers that call
# HTTPS services from this image. Versions float with bookworm's security
# updates on purpose.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        libc6 libstdc++6 libgcc-s1 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 vendo \
    && useradd --uid 10001 --gid vendo --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin vendo

WORKDIR /app
COPY --from=build --chown=root:root /staging/ /app/
ENV PATH="/app:${PATH}" \
    HOST=0.0.0.0 \
    PORT=8080

# Numeric, so orchestrators can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080

# The slim image has no curl: the binary probes its own /healthz (on $PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["vendo-webhooks", "healthcheck"]

ENTRYPOINT ["vendo-webhooks"]
CMD ["serve"]
