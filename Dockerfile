# The production image: one binary (libpq and SQLite linked in, the seed and migrations compiled
# in) on debian:bookworm-slim, run as an unprivileged user, with a healthcheck by the binary itself.
# Build: docker build -t retning .   (the context is the allowlist in .dockerignore)

# cargo-chef, pinned: the dependency graph is built in a layer of its own that is rebuilt only
# when Cargo.toml/Cargo.lock change, not on every source change.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
ENV CARGO_PROFILE_RELEASE_LTO=thin \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p retning-api --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p retning-api

FROM debian:bookworm-slim
# ca-certificates follows the base image's point release (its archive drops superseded versions,
# so an exact version pin would break later builds); the base image tag is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/retning --create-home retning
COPY --from=build /src/target/release/retning /usr/local/bin/retning
USER 10001:10001
WORKDIR /var/lib/retning
ENV RETNING__SERVER__BIND=0.0.0.0:8080 \
    RETNING__DATA_DIR=/var/lib/retning \
    RETNING__LOG__FORMAT=json
EXPOSE 8080
# `retning healthcheck` reads the same settings as `serve` and exits 0 when GET /health/ready on
# the configured bind answers 200; no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/retning", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/retning"]
CMD ["serve"]
