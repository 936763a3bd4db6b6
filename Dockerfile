# evserve in a container: built on the official Swift image for Debian 12, run on debian:bookworm-slim.
#   docker build -t evserve .
#   docker run --rm -p 8000:8000 evserve
# The runtime stage is checked without a Docker engine by deploy/check-runtime-image.sh (`make check-image`),
# which replays this file's runtime-stage instructions in a debootstrapped bookworm; keep them to
# RUN, COPY --from=build, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD in that stage.

FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libev-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change reuses the resolved-packages layer.
COPY Package.swift ./
RUN swift package resolve
# SwiftPM checks every target's folder when it loads the package, so tests and benches come along.
COPY Sources ./Sources
COPY Tests ./Tests
COPY bench ./bench
COPY fuzz ./fuzz
# --static-swift-stdlib: the Swift runtime, Dispatch and the packages are linked in, so the runtime
# stage needs no Swift toolchain, only the C libraries below.
RUN swift build -c release --static-swift-stdlib --product evserve \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/evserve" /out/evserve

FROM debian:bookworm-slim AS runtime
# Exactly the packages of what the binary loads besides glibc (see `ldd evserve`): libev,
# and the C++ runtime under the statically linked Swift runtime (libstdc++6 and libgcc-s1 are in the base
# image already; named so that they stay). No curl: the health check below uses bash alone.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libev4 libstdc++6 libgcc-s1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 evserve \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin evserve
COPY --from=build /out/evserve /usr/local/bin/evserve
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8000
# GET /healthz over bash's /dev/tcp: 200 while the event loop runs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/evserve"]
# `docker stop` waits 10 s before SIGKILL, so the drain is given 8 s (use `docker stop -t` for longer).
CMD ["--host", "0.0.0.0", "--port", "8000", "--graceful-timeout", "8"]
