#!/usr/bin/env bash
# Interop proof: SnapTrade's official Python SDK against our sandbox.
#
# Creates (or reuses) a virtualenv, installs the pinned SDK, builds and starts
# snaptrade-sandbox on a free loopback port with a throwaway client id /
# consumer key, runs interop/official_sdk_walkthrough.py against it, stops the
# server and exits with the walkthrough's status.
#
# Environment:
#   INTEROP_VENV         virtualenv directory (default .venv-interop, relative
#                        to the repository root); reused when present.
#   INTEROP_PYTHON       interpreter used to create the venv (default python3).
#   INTEROP_SANDBOX_BIN  use this server executable instead of building
#                        snaptrade-sandbox with cargo (it must follow the same
#                        CLI: --listen ADDR --port-file FILE --delete-delay SECS --client ID:KEY).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

venv="${INTEROP_VENV:-.venv-interop}"
client_id="INTEROP_CLIENT"
startup_timeout_s=30

log() { printf 'interop: %s\n' "$*" >&2; }

# --- Python side: venv + pinned SDK -----------------------------------------
if [ ! -x "$venv/bin/python" ]; then
    log "creating virtualenv $venv"
    "${INTEROP_PYTHON:-python3}" -m venv "$venv"
    # Keep the venv out of git without touching the repository's .gitignore.
    printf '*\n' > "$venv/.gitignore"
fi
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check -r interop/requirements.txt

# --- Rust side: the sandbox binary --------------------------------------------
if [ -n "${INTEROP_SANDBOX_BIN:-}" ]; then
    sandbox_bin="$INTEROP_SANDBOX_BIN"
else
    cargo build -q -p snaptrade-sandbox --bin snaptrade-sandbox
    target_dir="$(cargo metadata -q --format-version 1 --no-deps \
        | "$py" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    sandbox_bin="$target_dir/debug/snaptrade-sandbox"
fi
if [ ! -x "$sandbox_bin" ]; then
    log "sandbox executable not found: $sandbox_bin"
    exit 1
fi

# --- Start the sandbox --------------------------------------------------------
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/snaptrade-interop.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A fresh random consumer key for every run (48 hex characters).
consumer_key="$("$py" -c 'import secrets; print(secrets.token_hex(24))')"
port_file="$work_dir/port"
server_log="$work_dir/server.log"

# --delete-delay 1: deletions are asynchronous, as SnapTrade's; the walkthrough
# sees the user linger, then go.
"$sandbox_bin" --listen 127.0.0.1:0 --port-file "$port_file" --delete-delay 1 \
    --client "$client_id:$consumer_key" >"$server_log" 2>&1 &
server_pid=$!

show_server_log() {
    log "sandbox output:"
    sed 's/^/  | /' "$server_log" >&2 || true
}

# Wait for the port file, then for GET / to answer: both bounded by one deadline.
deadline=$((SECONDS + startup_timeout_s))
port=""
while :; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        log "sandbox exited before it was ready"
        show_server_log
        exit 1
    fi
    if [ -z "$port" ] && [ -s "$port_file" ]; then
        candidate="$(tr -d '[:space:]' <"$port_file")"
        case "$candidate" in
            '' | *[!0-9]*) ;;  # not (fully) written yet
            *) port="$candidate" ;;
        esac
    fi
    if [ -n "$port" ] && "$py" - "$port" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
    then
        break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        log "sandbox not accepting connections after ${startup_timeout_s}s (port: ${port:-unknown})"
        show_server_log
        exit 1
    fi
    sleep 0.2
done
base_url="http://127.0.0.1:$port"
log "sandbox ready at $base_url (pid $server_pid)"

# --- Walk through the operations with the official SDK --------------------------
status=0
"$py" interop/official_sdk_walkthrough.py \
    --base-url "$base_url" --client-id "$client_id" --consumer-key "$consumer_key" || status=$?
if [ "$status" -ne 0 ]; then
    show_server_log
fi
exit "$status"
