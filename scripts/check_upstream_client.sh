#!/usr/bin/env bash
# Generates a client for SnapTrade's whole published API (63 operations) into a
# temporary crate and checks that it compiles without warnings (cargo check,
# then clippy -D warnings). The temporary crate depends on this workspace's
# `snaptrade` crate by path for the runtime and shares the workspace's target
# directory, so only the generated crate itself is compiled.
#
# The upstream document is reference data outside the repository; when it is
# absent this script says so and succeeds.
#
# Usage: scripts/check_upstream_client.sh [UPSTREAM_SPEC]
#   env: UPSTREAM_SPEC (default ../shared/snaptrade/upstream-api.yaml)
#        CHECK_UPSTREAM_CLIPPY=0 to skip the clippy pass
#        KEEP_UPSTREAM_CRATE=1 to keep the temporary crate (its path is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
spec="${1:-${UPSTREAM_SPEC:-../shared/snaptrade/upstream-api.yaml}}"
if [ ! -f "$spec" ]; then
  echo "check_upstream_client: $spec is absent; skipped (nothing checked)"
  exit 0
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/upstream-client.XXXXXX")"
if [ "${KEEP_UPSTREAM_CRATE:-0}" = 1 ]; then
  echo "check_upstream_client: crate kept at $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

t0=$(date +%s)
cargo run --quiet --locked -p oapi-client-gen -- generate "$spec" --out "$tmp" \
  --spec-name upstream-api.yaml \
  --crate-name snaptrade-upstream-check \
  --runtime-path ::snaptrade::runtime \
  --runtime-dep "{ path = \"$root\" }" >/dev/null
# Resolve exactly the versions the workspace uses, so every dependency is
# already built in the shared target directory (cargo keeps locked versions).
cp Cargo.lock "$tmp/Cargo.lock"
# One `Operation` impl per operation (issue 23 lever 1 replaced the
# per-operation `async fn send`, which this used to count).
ops=$(grep -c 'impl rt::Operation for' "$tmp/src/generated.rs" || true)
echo "check_upstream_client: generated $(wc -l <"$tmp/src/generated.rs") lines, $ops operations ($(( $(date +%s) - t0 ))s)"

cd "$tmp"
# Warnings fail the check. (Not via RUSTFLAGS: that would change every
# dependency's fingerprint and rebuild them all.)
if ! out=$(cargo check --message-format short 2>&1); then
  echo "$out" >&2
  echo "check_upstream_client: the generated client does not compile" >&2
  exit 1
fi
if grep -q 'warning' <<<"$out"; then
  echo "$out" >&2
  echo "check_upstream_client: the generated client compiles with warnings" >&2
  exit 1
fi
echo "check_upstream_client: cargo check passed ($(( $(date +%s) - t0 ))s)"
if [ "${CHECK_UPSTREAM_CLIPPY:-1}" != 0 ]; then
  cargo clippy --quiet -- -D warnings
  echo "check_upstream_client: cargo clippy -D warnings passed ($(( $(date +%s) - t0 ))s)"
fi
