# The production image: one static-ish binary (libpq and SQLite linked in, the seed compiled in), no shell tools.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=4 cargo build --release --locked -p retning-api

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/retning --create-home retning
COPY --from=build /src/target/release/retning /usr/local/bin/retning
USER retning
WORKDIR /var/lib/retning
ENV RETNING__SERVER__BIND=0.0.0.0:8080 \
    RETNING__DATA_DIR=/var/lib/retning \
    RETNING__LOG__FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/retning"]
CMD ["serve"]
