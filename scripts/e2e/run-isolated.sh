#!/usr/bin/env bash
# Runs the real-client suite (`npm run test:e2e`) with no network but loopback, so a test
# that reaches for the network fails instead of passing on a connected machine. The tools
# must already be installed (scripts/e2e/setup.sh, which needs the registries). Where
# `unshare --net` is not permitted (an unprivileged container), runs it unisolated and
# says so.
set -uo pipefail
cd "$(dirname "$0")/../.."
args=("$@")
if unshare --net true 2>/dev/null; then
    echo "== e2e: inside unshare --net (loopback only)"
    exec unshare --net bash -c 'ip link set lo up && exec npm run test:e2e -- "$@"' bash "${args[@]}"
fi
echo "== e2e: unshare --net is not permitted here; running with the machine's network"
exec npm run test:e2e -- "${args[@]}"
