#!/usr/bin/env bash
# End-to-end check against Arize Phoenix, an independent LLM-observability
# backend: install Phoenix from PyPI into a virtual environment, start it on
# 127.0.0.1, run `cargo run --example otlp_export` against it over OTLP/HTTP
# (protobuf) and over OTLP/gRPC, then read the spans back through Phoenix's
# REST API (check.py) and assert the GenAI attributes, the metadata and the
# parent/child links. Prints `phoenix: N passed, N failed`; exits non-zero on
# any failure.
#
#   bash tests/phoenix/run.sh
#
# Needs python3.11..3.14 with venv and pip, the Rust toolchain, and PyPI.
# Environment (all optional):
#   LLM_TRACE_PHOENIX_VENV           the cached virtual environment
#                                    (default: $CARGO_TARGET_DIR or target/, then phoenix-venv);
#                                    rebuilt when tests/phoenix/constraints.txt changes
#   PYTHON                           the interpreter to create it with
#   LLM_TRACE_PHOENIX_START_TIMEOUT  seconds Phoenix may take to become healthy (default 180)
#   LLM_TRACE_PHOENIX_CHECK_TIMEOUT  seconds per case for the spans to arrive (default 60)
#   LLM_TRACE_PHOENIX_KEEP=1         keep Phoenix's working directory and log
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

constraints="$here/constraints.txt"
phoenix_version="$(sed -n 's/^arize-phoenix==//p' "$constraints")"
venv="${LLM_TRACE_PHOENIX_VENV:-${CARGO_TARGET_DIR:-$root/target}/phoenix-venv}"
start_timeout="${LLM_TRACE_PHOENIX_START_TIMEOUT:-180}"
check_timeout="${LLM_TRACE_PHOENIX_CHECK_TIMEOUT:-60}"

# Only what this script sets may configure Phoenix and the exporter.
while read -r name; do
    unset "$name"
done < <(env | sed -n 's/^\(\(PHOENIX\|OTEL\)_[A-Za-z0-9_]*\)=.*/\1/p')

say() { echo "phoenix-e2e: $*"; }
seconds() { echo $((SECONDS - $1)); }

stage="setup"
work=""
phoenix_pid=""
checked=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$phoenix_pid" ]] && kill -0 "$phoenix_pid" 2>/dev/null; then
        # Phoenix runs in its own process group (setsid): stop the group.
        kill -TERM -- "-$phoenix_pid" 2>/dev/null || kill -TERM "$phoenix_pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$phoenix_pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$phoenix_pid" 2>/dev/null || kill -KILL "$phoenix_pid" 2>/dev/null || true
        wait "$phoenix_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 ]]; then
        if [[ -n "$work" && -f "$work/phoenix.log" ]]; then
            echo "---- last lines of Phoenix's log ($work/phoenix.log)"
            grep -v 'sqlalchemy.engine' "$work/phoenix.log" | tail -n 40 || true
            echo "----"
        fi
        if [[ $checked -eq 0 ]]; then
            echo "FAIL phoenix end-to-end: $stage"
            echo "phoenix: 0 passed, 1 failed"
        fi
    fi
    if [[ -n "$work" ]]; then
        if [[ "${LLM_TRACE_PHOENIX_KEEP:-}" == 1 ]]; then
            say "kept $work"
        else
            rm -rf "$work"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. The virtual environment, cached between runs.
stage="creating the Phoenix virtual environment"
find_python() {
    local candidate
    # ${PYTHON:-} unquoted on purpose: an unset PYTHON adds no candidate.
    for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3.14 python3; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 15))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
if ! python="$(find_python)"; then
    say "no Python 3.11 to 3.14 found (Phoenix $phoenix_version needs one); set PYTHON"
    exit 1
fi
stamp="phoenix $phoenix_version, $("$python" -c 'import sys; print("python %d.%d" % sys.version_info[:2])'), constraints $(cksum <"$constraints" | cut -d' ' -f1)"
if [[ -x "$venv/bin/phoenix" && "$(cat "$venv/.llm-trace-stamp" 2>/dev/null)" == "$stamp" ]]; then
    say "reusing $venv ($stamp)"
else
    if [[ -e "$venv" ]]; then
        if [[ ! -f "$venv/pyvenv.cfg" && -n "$(ls -A "$venv")" ]]; then
            say "$venv exists and is not a virtual environment; refusing to replace it"
            exit 1
        fi
        rm -rf "$venv"
    fi
    started=$SECONDS
    say "installing arize-phoenix==$phoenix_version into $venv with $python"
    "$python" -m venv "$venv"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
    # The pip a venv is seeded with can be old and resolves this set about
    # twice as slowly: first the pinned one.
    "$venv/bin/python" -m pip install --quiet --upgrade pip -c "$constraints"
    "$venv/bin/python" -m pip install --quiet "arize-phoenix==$phoenix_version" -c "$constraints"
    echo "$stamp" >"$venv/.llm-trace-stamp"
    say "installed in $(seconds $started)s ($(du -sh "$venv" | cut -f1))"
fi

# ---- 2. Phoenix on loopback: free ports, a fresh working directory.
stage="starting Phoenix"
work="$(mktemp -d "${TMPDIR:-/tmp}/llm-trace-phoenix.XXXXXX")"
read -r http_port grpc_port < <("$venv/bin/python" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')
url="http://127.0.0.1:$http_port"
started=$SECONDS
say "starting Phoenix $phoenix_version: HTTP $url, gRPC 127.0.0.1:$grpc_port, working dir $work/phoenix"
mkdir "$work/phoenix"
launcher=()
command -v setsid >/dev/null 2>&1 && launcher=(setsid)
PHOENIX_WORKING_DIR="$work/phoenix" \
PHOENIX_HOST=127.0.0.1 \
PHOENIX_PORT="$http_port" \
PHOENIX_GRPC_PORT="$grpc_port" \
PHOENIX_TELEMETRY_ENABLED=false \
PHOENIX_ALLOW_EXTERNAL_RESOURCES=false \
PHOENIX_DISABLE_AGENT_ASSISTANT=true \
PHOENIX_ENABLE_MCP_SERVER=false \
    "${launcher[@]}" "$venv/bin/phoenix" serve </dev/null >"$work/phoenix.log" 2>&1 &
phoenix_pid=$!

# Compile the example while Phoenix starts.
stage="building the otlp_export example"
cargo build --quiet --example otlp_export

stage="waiting for Phoenix to become healthy"
"$venv/bin/python" - "$url/healthz" "$start_timeout" "$phoenix_pid" <<'EOF'
import os, sys, time, urllib.request
url, timeout, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + timeout
while True:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"phoenix-e2e: Phoenix exited before it became healthy")
    if time.monotonic() > deadline:
        sys.exit(f"phoenix-e2e: Phoenix not healthy at {url} after {timeout:.0f}s")
    time.sleep(0.25)
EOF
say "Phoenix healthy after $(seconds $started)s"

# ---- 3. The example exports one trace per protocol, each to its own
# Phoenix project (Phoenix reads `openinference.project.name` off the
# resource), and writes what it sent to a manifest.
run_case() {
    local protocol=$1 endpoint=$2 project=$3
    stage="cargo run --example otlp_export over $protocol to $endpoint"
    say "$stage"
    OTEL_EXPORTER_OTLP_ENDPOINT="$endpoint" \
    OTEL_EXPORTER_OTLP_PROTOCOL="$protocol" \
    OTEL_SERVICE_NAME=llm-trace-phoenix-e2e \
    OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=$project" \
    OTEL_METRICS_EXPORTER=none \
        cargo run --quiet --example otlp_export -- --manifest "$work/$project.json"
}
run_case http/protobuf "$url" llm-trace-http
run_case grpc "http://127.0.0.1:$grpc_port" llm-trace-grpc

# ---- 4. Read the spans back and check them.
stage="checking the spans through Phoenix's REST API"
say "$stage"
checked=1
"$venv/bin/python" "$here/check.py" --url "$url" --timeout "$check_timeout" \
    --case http/protobuf llm-trace-http "$work/llm-trace-http.json" \
    --case grpc llm-trace-grpc "$work/llm-trace-grpc.json"
