# Sourced by hack/* entry points: makes sure a Node that Moor supports is first on PATH.
# The machine's Node is used when it is >= 22.12; otherwise Node 24 LTS is installed once
# from the npm registry (package node@24, pinned below) into a cache outside the repo.
MOOR_NODE_VERSION=24.21.0
MOOR_NODE_MIN=22.12.0
MOOR_CACHE="${MOOR_CACHE:-$HOME/.cache/moor}"

_moor_version_ge() { # a >= b, both x.y.z
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

moor_ensure_node() {
  local have=""
  if command -v node >/dev/null 2>&1; then have=$(node -p 'process.versions.node' 2>/dev/null || true); fi
  if [ -n "$have" ] && _moor_version_ge "$have" "$MOOR_NODE_MIN"; then return 0; fi
  local prefix="$MOOR_CACHE/node-v$MOOR_NODE_VERSION"
  if [ ! -x "$prefix/node_modules/.bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "moor: need npm to install Node $MOOR_NODE_VERSION (found Node ${have:-none})" >&2; return 1; }
    echo "moor: Node ${have:-none} is older than $MOOR_NODE_MIN; installing node@$MOOR_NODE_VERSION from the npm registry into $prefix" >&2
    mkdir -p "$prefix"
    npm install --silent --no-save --no-audit --no-fund --prefix "$prefix" "node@$MOOR_NODE_VERSION" >&2 \
      || { echo "moor: installing node@$MOOR_NODE_VERSION failed" >&2; return 1; }
  fi
  export PATH="$prefix/node_modules/.bin:$PATH"
  hash -r
  have=$(node -p 'process.versions.node')
  _moor_version_ge "$have" "$MOOR_NODE_MIN" || { echo "moor: Node on PATH is $have after install; expected $MOOR_NODE_VERSION" >&2; return 1; }
}

# Installs the workspace's npm dependencies when package-lock.json changed since the last install.
moor_ensure_deps() {
  local root=$1 stamp="$1/node_modules/.moor-lock-sha"
  local want; want=$(sha256sum "$root/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "moor: installing npm dependencies" >&2
  # npm install, not npm ci: npm 11 omits other platforms' optional packages (Biome's) from
  # the lockfile and npm ci then refuses it. install still takes every version from the lock.
  (cd "$root" && npm install --no-audit --no-fund --loglevel=error >&2) || { echo "moor: npm install failed" >&2; return 1; }
  echo "$want" >"$stamp"
}
