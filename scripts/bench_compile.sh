#!/usr/bin/env bash
# Compile cost of generated clients, side by side with progenitor (issue 23).
#
#   scripts/bench_compile.sh DOC.json [DOC.json ...]
#
# Each DOC is an OpenAPI document read where it is (progenitor's
# `sample_openapi/nexus.json`, `keeper.json`, `propolis-server.json`, ...);
# none is copied into the repository. For each document, in one run,
# interleaved (ours, progenitor, [before,] ours, progenitor, ...), it measures:
#   gen      generation time (read + parse + generate + prettyplease), median
#            of BENCH_GEN_ITERATIONS runs of the opt-level 0 drivers of
#            scripts/bench_gen_setup.sh (what a build script runs: cargo
#            builds build scripts at opt-level 0), and the same with the
#            release drivers (`gen_release_ms`, what an installed CLI runs);
#   lines    the generated lines (after prettyplease);
#   scratch  `cargo check` of the generated crate from scratch: dependencies
#            already built, the crate itself cleaned (`cargo clean -p`),
#            CARGO_INCREMENTAL=0;
#   touch    `cargo check` after `touch` of the generated source, with the
#            incremental cache warm (cargo's dev default).
# A document that either generator refuses or panics on is reported and
# skipped. The crates live under $BENCH_TMP (default /tmp/compile-bench) and
# share one target dir, so the dependencies are built once; ours is on
# `oapi-client-runtime` by path, progenitor's on progenitor-client 0.15.1
# and the crates its README lists. Prints one line per measurement and, per
# document, the medians and ratios at the end.
#
# Environment: BENCH_ROUNDS (default 5), BENCH_GEN_ITERATIONS (default 3),
# BENCH_BASELINE=REV adds a third generator, "before": our generator and
# runtime as of git revision REV (`git archive`d under $BENCH_TMP), measured in
# the same interleaved rounds.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: scripts/bench_compile.sh DOC.json [DOC.json ...]" >&2; exit 2; }
docs=()
for d in "$@"; do docs+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")"); done
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
stem() { basename "$1" | sed -e 's/\.[^.]*$//' -e 's/[^A-Za-z0-9]/_/g' | tr 'A-Z' 'a-z'; }

log "load at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# --- Generation drivers and the generated sources ---------------------------
bin="$(GEN_PROFILES="dev release" bash "$repo_root/scripts/bench_gen_setup.sh")"
tools=(ours progenitor)
runtime_of_ours="$repo_root/runtime"
if [ -n "${BENCH_BASELINE:-}" ]; then
    tools+=(before)
    base_src="$tmp/baseline-src"
    rm -rf "$base_src" && mkdir -p "$base_src"
    git -C "$repo_root" archive "$BENCH_BASELINE" | tar -x -C "$base_src"
    base_bin="$(BENCH_TMP="$tmp/baseline" GEN_PROFILES="dev release" GEN_CODEGEN_DIR="$base_src/codegen" \
        bash "$repo_root/scripts/bench_gen_setup.sh")"
    for p in dev release; do cp "$base_bin/$p/genbench-ours" "$bin/$p/genbench-before"; done
fi
driver() { # tool -> the driver binary's name
    echo "genbench-$1"
}

# One crate per (tool, document), each a workspace of its own (the "before"
# one depends on another copy of the runtime, which one lockfile cannot
# hold); they share the target dir, hence the dependencies.
manifest() { # tool, package name
    case "$1" in
        progenitor) cat <<TOML
[package]
name = "$2"
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
        ;;
        *)
            local runtime="$runtime_of_ours"
            [ "$1" = before ] && runtime="$base_src/runtime"
            cat <<TOML
[package]
name = "$2"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
oapi-client-runtime = { path = "$runtime" }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
TOML
        ;;
    esac
}

measured=()
for doc in "${docs[@]}"; do
    s="$(stem "$doc")"
    ok=1
    for tool in "${tools[@]}"; do
        mkdir -p "$out/$tool"
        env_runtime=()
        [ "$tool" = progenitor ] || env_runtime=(GENBENCH_RUNTIME_PATH=::oapi_client_runtime)
        line="$(env GENBENCH_OUT="$out/$tool" "${env_runtime[@]}" "$bin/dev/$(driver "$tool")" 1 "$doc")"
        if [ "$(cut -f2 <<<"$line")" != ok ]; then
            log "$s: $tool: $(cut -f2,6 <<<"$line"); document skipped"
            ok=0
            break
        fi
    done
    [ "$ok" = 1 ] || continue
    for tool in "${tools[@]}"; do
        crate="$ws/$s-$tool"
        mkdir -p "$crate/src"
        manifest "$tool" "bench-$s-$tool" >"$crate/Cargo.toml"
        printf '#![allow(warnings, clippy::all)]\n#[path = "generated.rs"]\nmod generated;\npub use generated::*;\n' \
            >"$crate/src/lib.rs"
        cp "$out/$tool/$(basename "${doc%.*}").rs" "$crate/src/generated.rs"
        echo "lines	$s	$tool	$(wc -l <"$crate/src/generated.rs")" >>"$results"
    done
    measured+=("$doc")
done
[ ${#measured[@]} -gt 0 ] || { log "no document generated with every tool"; exit 1; }

export CARGO_TARGET_DIR="$ws/target"
check() { # crate dir, extra env -> seconds; fails loudly if the crate does not check
    local t0 t1
    t0="$(now)"
    if ! (cd "$1" && env "${@:2}" cargo check -q >/dev/null 2>"$tmp/check.err"); then
        cat "$tmp/check.err" >&2
        exit 1
    fi
    t1="$(now)"
    elapsed "$t0" "$t1"
}
log "building the dependencies of the crates"
# One package at a time, as measured below: features are unified over the
# packages of one cargo invocation, so building several together would leave
# each with dependencies to rebuild in its first measured check.
for doc in "${measured[@]}"; do
    for tool in "${tools[@]}"; do
        crate="$ws/$(stem "$doc")-$tool"
        check "$crate" >/dev/null
        check "$crate" CARGO_INCREMENTAL=0 >/dev/null
    done
done

for round in $(seq 1 "$rounds"); do
    for doc in "${measured[@]}"; do
        s="$(stem "$doc")"
        for tool in "${tools[@]}"; do
            crate="$ws/$s-$tool"
            env_runtime=()
            [ "$tool" = progenitor ] || env_runtime=(GENBENCH_RUNTIME_PATH=::oapi_client_runtime)
            g="$(env "${env_runtime[@]}" "$bin/dev/$(driver "$tool")" "$gen_iterations" "$doc" | cut -f3)"
            gr="$(env "${env_runtime[@]}" "$bin/release/$(driver "$tool")" "$gen_iterations" "$doc" | cut -f3)"
            (cd "$crate" && cargo clean -q -p "bench-$s-$tool")
            sc="$(check "$crate" CARGO_INCREMENTAL=0)"
            check "$crate" >/dev/null # warms the incremental cache
            touch "$crate/src/generated.rs"
            t="$(check "$crate")"
            printf 'round\t%s\t%s\t%s\tgen_ms=%s\tgen_release_ms=%s\tscratch_s=%s\ttouch_s=%s\n' \
                "$round" "$s" "$tool" "$g" "$gr" "$sc" "$t" | tee -a "$results" >&2
        done
    done
done
log "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
docs = []
for r in rows:
    if r[0] == "lines" and r[1] not in docs:
        docs.append(r[1])
for doc in docs:
    lines = {r[2]: int(r[3]) for r in rows if r[0] == "lines" and r[1] == doc}
    data = {}
    for r in rows:
        if r[0] != "round" or r[2] != doc:
            continue
        for kv in r[4:]:
            k, v = kv.split("=")
            data.setdefault((r[3], k), []).append(float(v))
    tools = [t for t in ("ours", "progenitor", "before") if t in lines]
    print("\n## %s" % doc)
    print("what\t" + "\t".join(tools) + "\tours/progenitor" + ("\tbefore/progenitor" if "before" in tools else ""))
    def row(name, vals, fmt):
        ratios = ["%.2f" % (vals[t] / vals["progenitor"]) for t in tools if t != "progenitor"]
        print(name + "\t" + "\t".join(fmt % vals[t] for t in tools) + "\t" + "\t".join(ratios))
    row("lines", lines, "%d")
    for k in ("gen_ms", "gen_release_ms", "scratch_s", "touch_s"):
        if (tools[0], k) not in data:
            continue
        row("%s (median)" % k, {t: statistics.median(data[(t, k)]) for t in tools}, "%.2f")
        print("%s (all)\t%s" % (k, "\t".join(" ".join("%.2f" % x for x in data[(t, k)]) for t in tools)))
EOF
