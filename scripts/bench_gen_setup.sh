#!/usr/bin/env bash
# Builds the two generation drivers used by scripts/bench.sh in a throwaway
# workspace under $BENCH_TMP (default /tmp/snaptrade-bench): genbench-ours
# (our codegen library, by path) and genbench-progenitor (progenitor from
# crates.io). Both compile benches/support/genbench.rs unchanged. Nothing of
# progenitor's is written into this repository.
#
# Prints the directory holding the binaries: $BENCH_TMP/gen/bin/{dev,release}/.
# GEN_PROFILES="dev" builds only the opt-level 0 drivers (default "dev release");
# GEN_CODEGEN_DIR builds genbench-ours against another codegen checkout.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${BENCH_TMP:-/tmp/snaptrade-bench}/gen"
progenitor_version="${PROGENITOR_VERSION:-0.15.1}"
mkdir -p "$root/ours/src" "$root/progenitor/src" "$root/bin/dev" "$root/bin/release"

cat >"$root/Cargo.toml" <<TOML
[workspace]
members = ["ours", "progenitor"]
resolver = "2"

# Build scripts run with opt-level 0 and no debug info (cargo's build-override
# default): the dev profile here matches that.
[profile.dev]
debug = false
TOML

cat >"$root/ours/Cargo.toml" <<TOML
[package]
name = "genbench-ours"
version = "0.0.0"
edition = "2021"
publish = false

[[bin]]
name = "genbench-ours"
path = "src/main.rs"

[features]
default = ["ours"]
ours = []
progenitor = []

[dependencies]
oapi-client-gen = { path = "${GEN_CODEGEN_DIR:-$repo_root/codegen}" }
TOML

cat >"$root/progenitor/Cargo.toml" <<TOML
[package]
name = "genbench-progenitor"
version = "0.0.0"
edition = "2021"
publish = false

[[bin]]
name = "genbench-progenitor"
path = "src/main.rs"

[features]
default = ["progenitor"]
ours = []
progenitor = []

[dependencies]
progenitor = { version = "=$progenitor_version", default-features = false }
openapiv3 = "2.2"
serde_json = "1"
serde_yaml = "0.9"
syn = { version = "3", default-features = false, features = ["full", "parsing", "printing"] }
prettyplease = "0.3"
TOML

for crate in ours progenitor; do
    cp "$repo_root/benches/support/genbench.rs" "$root/$crate/src/main.rs"
done

cd "$root"
export CARGO_TARGET_DIR="$root/target"
for profile in ${GEN_PROFILES:-dev release}; do
    flag=""; dir=debug
    if [ "$profile" = release ]; then flag="--release"; dir=release; fi
    cargo build -q $flag --bins >&2
    cp "target/$dir/genbench-ours" "target/$dir/genbench-progenitor" "bin/$profile/"
done
echo "$root/bin"
