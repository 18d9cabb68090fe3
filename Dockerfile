# The dindctl image: one static binary FROM scratch, with CA certificates for daemons whose TLS
# certificates chain to a public CA. `scripts/build-image TAG` builds the static binary on the
# host (no Rust image is needed) and then this file, in a context holding only those two files.
#   docker run --rm -v "$PWD:/work" TAG check
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY dindctl /usr/local/bin/dindctl
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/dindctl"]
CMD ["check"]
