#!/bin/sh
# withAssumedRole: the Jenkins step's launcher, the start of every sh step the step
# runs (vars/withAssumedRole.groovy appends the call: launch jenkins --action ...).
# It finds Node.js 22 or newer (or, with node: 'auto', fetches one from the npm
# registry the agent uses, checked against the registry's integrity value, into the
# agent's cache), checks the step's CLI copy on this agent against its SHA-256 (moving
# the copy the step just wrote into place when there is none), and runs it. It prints
# nothing but failures: a shebang script gets no shell trace in Jenkins' console.
#
# From the step: JENKINS_WITH_ASSUMED_ROLE_CACHE (the agent's cache folder), JENKINS_WITH_ASSUMED_ROLE_CLI (the CLI copy there),
# JENKINS_WITH_ASSUMED_ROLE_CLI_SHA256, JENKINS_WITH_ASSUMED_ROLE_CLI_SHIPPED (a copy written this time, or unset), JENKINS_WITH_ASSUMED_ROLE_NODE
# (node: 'node', a path, or 'auto'), JENKINS_WITH_ASSUMED_ROLE_INSTALLED_CLI (cli: an installed CLI instead).

# The Node.js node: 'auto' fetches (the npm registry's node-linux-<arch> package).
NODE_VERSION=24.22.3

say() { printf 'withAssumedRole: %s\n' "$*" >&2; }

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null; }

usable_node() {
  command -v "$1" >/dev/null 2>&1 || return 1
  major=$(node_major "$1")
  [ -n "$major" ] && [ "$major" -ge 22 ]
}

no_node() {
  say "$1"
  printf '  fix: %s\n' "pass node: 'auto' (Node.js $NODE_VERSION from the npm registry, kept on the agent), install Node.js 22+, or pass node: '/path/to/node'; inside a container without node, call the step outside it (docs/install-jenkins.md#nodejs-on-the-agents)" >&2
  exit 69
}

fetch() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL "$1"
  elif command -v wget >/dev/null 2>&1; then wget -qO- "$1"
  else say "node: 'auto' needs curl or wget on the agent"; return 1
  fi
}

# The npm registry this agent uses: the npm settings' registry, else registry.npmjs.org.
registry() {
  found=${NPM_CONFIG_REGISTRY:-${npm_config_registry:-}}
  if [ -z "$found" ] && [ -f "$HOME/.npmrc" ]; then
    found=$(sed -n 's/^[[:space:]]*registry[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$HOME/.npmrc" | tail -n 1)
  fi
  found=${found:-https://registry.npmjs.org/}
  printf '%s' "${found%/}"
}

# Prints the path of a Node.js from the npm registry, fetched into the cache once.
fetch_node() {
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) say "node: 'auto': no Node.js build for $(uname -m) in the npm registry"; return 1 ;;
  esac
  home="$JENKINS_WITH_ASSUMED_ROLE_CACHE/node-$NODE_VERSION-linux-$arch"
  if usable_node "$home/bin/node"; then printf '%s' "$home/bin/node"; return 0; fi
  from=$(registry)
  document=$(fetch "$from/node-linux-$arch/$NODE_VERSION") || { say "node: 'auto': $from/node-linux-$arch/$NODE_VERSION could not be fetched"; return 1; }
  tarball=$(printf '%s' "$document" | sed -n 's/.*"tarball"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  integrity=$(printf '%s' "$document" | sed -n 's/.*"integrity"[[:space:]]*:[[:space:]]*"sha512-\([^"]*\)".*/\1/p')
  if [ -z "$tarball" ] || [ -z "$integrity" ]; then say "node: 'auto': $from answered no tarball and sha512 integrity for node-linux-$arch@$NODE_VERSION"; return 1; fi
  work=$(mktemp -d "$JENKINS_WITH_ASSUMED_ROLE_CACHE/node-fetch.XXXXXX") || return 1
  if ! fetch "$tarball" > "$work/node.tgz"; then rm -rf "$work"; say "node: 'auto': $tarball could not be fetched"; return 1; fi
  expected=$(printf '%s' "$integrity" | base64 -d | od -An -vtx1 | tr -d ' \n')
  actual=$(sha512sum "$work/node.tgz" | cut -d ' ' -f 1)
  if [ "$expected" != "$actual" ]; then rm -rf "$work"; say "node: 'auto': $tarball does not match the registry's integrity value; nothing was run"; return 1; fi
  mkdir -p "$work/package" "$work/home/bin"
  if ! tar -xzf "$work/node.tgz" -C "$work" package/bin/node || ! mv "$work/package/bin/node" "$work/home/bin/node"; then
    rm -rf "$work"; say "node: 'auto': $tarball holds no package/bin/node"; return 1
  fi
  # Another step may have got there first: its copy is as good.
  mv "$work/home" "$home" 2>/dev/null || true
  rm -rf "$work"
  usable_node "$home/bin/node" && printf '%s' "$home/bin/node"
}

# Checks the CLI copy against its hash (moving the one just shipped into place), then runs it.
LAUNCHER_JS=$(cat <<'JS'
const fs = require('node:fs');
const crypto = require('node:crypto');
const { JENKINS_WITH_ASSUMED_ROLE_CLI: cli, JENKINS_WITH_ASSUMED_ROLE_CLI_SHA256: sha, JENKINS_WITH_ASSUMED_ROLE_CLI_SHIPPED: shipped } = process.env;
const intact = (path) => {
  try {
    const info = fs.lstatSync(path);
    return info.isFile() && info.uid === process.getuid() && crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex') === sha;
  } catch {
    return false;
  }
};
if (!intact(cli)) {
  if (shipped && intact(shipped)) fs.renameSync(shipped, cli);
  else {
    fs.rmSync(cli, { force: true });
    process.stderr.write(`withAssumedRole: ${cli}: the step's copy of its CLI on this agent is missing or changed\n  fix: run the step again: it ships a fresh copy\n`);
    process.exit(69);
  }
}
if (shipped) fs.rmSync(shipped, { force: true });
process.argv = [process.argv[0], cli, ...process.argv.slice(1)];
require(cli);
JS
)

launch() {
  if [ -n "${JENKINS_WITH_ASSUMED_ROLE_INSTALLED_CLI:-}" ]; then exec "$JENKINS_WITH_ASSUMED_ROLE_INSTALLED_CLI" "$@"; fi
  umask 077
  mkdir -p "$JENKINS_WITH_ASSUMED_ROLE_CACHE" 2>/dev/null
  if [ ! -d "$JENKINS_WITH_ASSUMED_ROLE_CACHE" ] || [ ! -O "$JENKINS_WITH_ASSUMED_ROLE_CACHE" ]; then
    say "$JENKINS_WITH_ASSUMED_ROLE_CACHE: not a folder of this user's, which the step's cache must be"
    say "  fix: remove it (the step makes it again), or give the workspaces' folder back to the agent's user"
    exit 78
  fi
  chmod 700 "$JENKINS_WITH_ASSUMED_ROLE_CACHE"
  node=${JENKINS_WITH_ASSUMED_ROLE_NODE:-node}
  if [ "$node" = auto ]; then
    if usable_node node; then node=node; else node=$(fetch_node) || exit 69; fi
  elif ! command -v "$node" >/dev/null 2>&1; then
    no_node "$node: not found where the step runs; it runs its CLI with Node.js 22 or newer"
  elif ! usable_node "$node"; then
    no_node "$node: Node.js $(node_major "$node") is too old; the step runs its CLI with Node.js 22 or newer"
  fi
  NODE_COMPILE_CACHE="$JENKINS_WITH_ASSUMED_ROLE_CACHE/compile-cache"
  export NODE_COMPILE_CACHE
  exec "$node" -e "$LAUNCHER_JS" -- "$@"
}
