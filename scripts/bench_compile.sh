#!/usr/bin/env bash
# Compile cost of a generated client, side by side with progenitor (issue 23).
#
#   scripts/bench_compile.sh NEXUS_JSON
#
# NEXUS_JSON is progenitor's `sample_openapi/nexus.json` (oxidecomputer/
# progenitor); it is read, never copied into the repository. In one run,
# interleaved (ours, progenitor, ours, progenitor, ...), it measures:
#   gen      generation time (read + parse + generate + prettyplease, opt-level
#            0 drivers of scripts/bench_gen_setup.sh, BENCH_GEN_ITERATIONS runs
#            each, median), and the generated lines (after prettyplease);
#   scratch  `cargo check` of the generated crate from scratch: dependencies
#            already built, the crate itself cleaned (`cargo clean -p`),
#            CARGO_INCREMENTAL=0;
#   touch    `cargo check` after `touch` of the generated source, with the
#            incremental cache warm (cargo's dev default).
# The crates live under $BENCH_TMP (default /tmp/compile-bench) and share one
# target dir, so the dependencies are built once; ours is `oapi-client-gen generate --out DIR` on the runtime by path,
# progenitor's is progenitor 0.15.1's output in a lib.rs with the
# dependencies its README lists. Prints one line per measurement and the
# medians and ratios at the end.
#
# Environment: BENCH_ROUNDS (default 5), BENCH_GEN_ITERATIONS (default 3),
# BENCH_BASELINE=REV adds a third crate, "before": our generator and runtime
# as of git revision REV (`git archive`d under $BENCH_TMP), measured in the
# same interleaved rounds.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nexus="$(cd "$(dirname "${1:?usage: scripts/bench_compile.sh NEXUS_JSON}")" && pwd)/$(basename "$1")"
tmp="${BENCH_TMP:-/tmp/compile-bench}"
export BENCH_TMP="$tmp"
rounds="${BENCH_ROUNDS:-5}"
gen_iterations="${BENCH_GEN_ITERATIONS:-3}"
ws="$tmp/ws"
out="$tmp/out"
mkdir -p "$ws" "$out"
results="$tmp/compile-results.tsv"
: >"$results"

log() { printf 'bench-compile: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

log "load at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# --- Generation drivers (opt-level 0) and the generated sources --------------
bin="$(GEN_PROFILES=dev bash "$repo_root/scripts/bench_gen_setup.sh")"
tools=(ours progenitor)
mkdir -p "$out/ours" "$out/progenitor"
GENBENCH_OUT="$out/ours" GENBENCH_RUNTIME_PATH=::oapi_client_runtime \
    "$bin/dev/genbench-ours" 1 "$nexus" >/dev/null
GENBENCH_OUT="$out/progenitor" "$bin/dev/genbench-progenitor" 1 "$nexus" >/dev/null
if [ -n "${BENCH_BASELINE:-}" ]; then
    tools+=(before)
    base_src="$tmp/baseline-src"
    rm -rf "$base_src" && mkdir -p "$base_src"
    git -C "$repo_root" archive "$BENCH_BASELINE" | tar -x -C "$base_src"
    base_bin="$(BENCH_TMP="$tmp/baseline" GEN_PROFILES=dev GEN_CODEGEN_DIR="$base_src/codegen" \
        bash "$repo_root/scripts/bench_gen_setup.sh")"
    cp "$base_bin/dev/genbench-ours" "$bin/dev/genbench-before"
    mkdir -p "$out/before"
    GENBENCH_OUT="$out/before" GENBENCH_RUNTIME_PATH=::oapi_client_runtime \
        "$bin/dev/genbench-before" 1 "$nexus" >/dev/null
fi

# --- The workspace ---------------------------------------------------------------
# Each crate is a workspace of its own (the "before" one depends on another
# copy of the runtime, which one lockfile cannot hold); they share the target
# dir, hence the dependencies.
rm -f "$ws/Cargo.toml" "$ws/Cargo.lock"
mkdir -p "$ws/ours/src" "$ws/progenitor/src"
cat >"$ws/ours/Cargo.toml" <<TOML
[package]
name = "nexus-ours"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
oapi-client-runtime = { path = "$repo_root/runtime" }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
TOML
printf '#![allow(warnings, clippy::all)]\n#[path = "generated.rs"]\nmod generated;\npub use generated::*;\n' \
    >"$ws/ours/src/lib.rs"
cp "$out/ours/nexus.rs" "$ws/ours/src/generated.rs"
cat >"$ws/progenitor/Cargo.toml" <<TOML
[package]
name = "nexus-progenitor"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
progenitor-client = "=0.15.1"
futures = "0.3"
reqwest = { version = "0.13", features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", features = ["serde"] }
uuid = { version = "1", features = ["serde", "v4"] }
regress = "0.10"
base64 = "0.22"
rand = "0.8"
TOML
printf '#![allow(warnings, clippy::all)]\n#[path = "generated.rs"]\nmod generated;\npub use generated::*;\n' \
    >"$ws/progenitor/src/lib.rs"
cp "$out/progenitor/nexus.rs" "$ws/progenitor/src/generated.rs"
if [ -n "${BENCH_BASELINE:-}" ]; then
    mkdir -p "$ws/before/src"
    sed -e 's/^name = "nexus-ours"/name = "nexus-before"/' \
        -e "s|path = \"$repo_root/runtime\"|path = \"$base_src/runtime\"|" \
        "$ws/ours/Cargo.toml" >"$ws/before/Cargo.toml"
    cp "$ws/ours/src/lib.rs" "$ws/before/src/lib.rs"
    cp "$out/before/nexus.rs" "$ws/before/src/generated.rs"
fi

export CARGO_TARGET_DIR="$ws/target"
log "building the dependencies of the crates"
# One package at a time, as measured below: features are unified over the
# packages of one cargo invocation, so building both together would leave
# each with dependencies to rebuild in its first measured check.
for tool in "${tools[@]}"; do
    pkg="nexus-$tool"
    (cd "$ws/$tool" && cargo check -q -p "$pkg" 2>&1 | grep -v '^warning' >&2 || true)
    (cd "$ws/$tool" && CARGO_INCREMENTAL=0 cargo check -q -p "$pkg" 2>&1 | grep -v '^warning' >&2 || true)
done

check() { # tool, extra env -> seconds; fails loudly if the crate does not check
    local t0 t1
    t0="$(now)"
    if ! (cd "$ws/$1" && env "${@:2}" cargo check -q >/dev/null 2>"$tmp/check.err"); then
        cat "$tmp/check.err" >&2
        exit 1
    fi
    t1="$(now)"
    elapsed "$t0" "$t1"
}

for tool in "${tools[@]}"; do
    echo "lines	$tool	$(wc -l <"$ws/$tool/src/generated.rs")" >>"$results"
done
for round in $(seq 1 "$rounds"); do
    for tool in "${tools[@]}"; do
        pkg="nexus-$tool"
        g="$("$bin/dev/genbench-$tool" "$gen_iterations" "$nexus" | cut -f3)"
        (cd "$ws/$tool" && cargo clean -q -p "$pkg")
        s="$(check "$tool" CARGO_INCREMENTAL=0)"
        check "$tool" >/dev/null # warms the incremental cache
        touch "$ws/$tool/src/generated.rs"
        t="$(check "$tool")"
        printf 'round\t%s\t%s\tgen_ms=%s\tscratch_s=%s\ttouch_s=%s\n' "$round" "$tool" "$g" "$s" "$t" | tee -a "$results" >&2
    done
done
log "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
lines = {r[1]: int(r[2]) for r in rows if r[0] == "lines"}
data = {}
for r in rows:
    if r[0] != "round":
        continue
    for kv in r[3:]:
        k, v = kv.split("=")
        data.setdefault((r[2], k), []).append(float(v))
tools = [t for t in ("ours", "progenitor", "before") if t in lines]
print("what\t" + "\t".join(tools) + "\tours/progenitor" + ("\tbefore/progenitor" if "before" in tools else ""))
def row(name, vals, fmt):
    ratios = ["%.2f" % (vals[t] / vals["progenitor"]) for t in tools if t != "progenitor"]
    print(name + "\t" + "\t".join(fmt % vals[t] for t in tools) + "\t" + "\t".join(ratios))
row("lines", lines, "%d")
for k in ("gen_ms", "scratch_s", "touch_s"):
    row("%s (median)" % k, {t: statistics.median(data[(t, k)]) for t in tools}, "%.2f")
    print("%s (all)\t%s" % (k, "\t".join(" ".join("%.2f" % x for x in data[(t, k)]) for t in tools)))
EOF
