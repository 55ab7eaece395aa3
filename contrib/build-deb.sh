#!/bin/sh
# Build the Debian package target/debian/nfdpi_<version>-1_<arch>.deb with cargo-deb
# (`cargo install cargo-deb` once). The man pages and shell completions are rendered from the
# binary just built (`nfdpi generate`), so they say what its --help says. Other arguments are
# passed to `cargo deb` (e.g. --install to install the package right after).
#   --prebuilt  package target/release/nfdpi as it is, without `cargo build --release`: for CI,
#               right after `cargo test --release` built it from the same tree. (A plain build
#               after the tests recompiles nfdpi, because the tests' dev-dependencies enable
#               more features of shared dependencies such as serde and regex.)
set -eu
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || {
    echo "build-deb.sh: cargo-deb is missing: cargo install cargo-deb" >&2
    exit 2
}
if [ "${1:-}" = --prebuilt ]; then
    shift
else
    cargo build --release --locked
fi
target_dir=${CARGO_TARGET_DIR:-target}
bin=$target_dir/release/nfdpi
[ -x "$bin" ] || {
    echo "build-deb.sh: $bin is missing (build it, or leave out --prebuilt)" >&2
    exit 2
}
out=$target_dir/release/generated
rm -rf "$out"
mkdir -p "$out/completions"
"$bin" generate man "$out/man" >/dev/null
gzip -9n "$out"/man/*.1    # cargo-deb compresses only the assets it did not build
"$bin" generate completions bash >"$out/completions/nfdpi.bash"
"$bin" generate completions zsh >"$out/completions/_nfdpi"
"$bin" generate completions fish >"$out/completions/nfdpi.fish"
# --strip: the release profile keeps line tables for benchmarks; the package does not need them.
cargo deb --no-build --strip "$@"
