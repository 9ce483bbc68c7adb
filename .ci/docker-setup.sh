#!/usr/bin/env bash
# Make a Docker engine and a local Node.js base image available for `npm run test:docker`.
#
# Safe to run again and on a fresh machine: it installs Debian's docker.io, docker-registry and
# busybox-static when they are missing, starts dockerd in the background (log in
# $SHIPYARD_DOCKERD_LOG) unless an engine already answers, waits for it (bounded), and builds the
# base image $SHIPYARD_NODE_IMAGE from the host's own Node.js runtime, because no base image can be
# pulled here. It exits non-zero with the reason when any of that is impossible.
#
# The daemon runs without iptables and without the default bridge (this machine allows neither),
# so containers and builds need `--network host`.
#
# It also points ECR's registry host names (<account>.dkr.ecr.<region>.amazonaws.com, for the
# emulator's account in a few regions; $SHIPYARD_ECR_HOSTS overrides the list) at 127.0.0.1 in
# /etc/hosts, so the AWS emulator can name its registry as ECR does. Docker needs no
# insecure-registries entry for them: it treats a registry whose name resolves into 127.0.0.0/8 as
# insecure (plain HTTP), as it does 127.0.0.1 itself. `--hosts-only` does only that step.
set -euo pipefail

NODE_IMAGE="${SHIPYARD_NODE_IMAGE:-shipyard/node-base:local}"
DOCKERD_LOG="${SHIPYARD_DOCKERD_LOG:-/tmp/shipyard-dockerd.log}"
WAIT_SECONDS="${SHIPYARD_DOCKERD_WAIT_SECONDS:-60}"

ECR_HOSTS="${SHIPYARD_ECR_HOSTS:-123456789012.dkr.ecr.us-east-1.amazonaws.com 123456789012.dkr.ecr.us-west-2.amazonaws.com 123456789012.dkr.ecr.eu-west-1.amazonaws.com 123456789012.dkr.ecr.eu-central-1.amazonaws.com}"

say() { printf 'docker-setup: %s\n' "$*"; }
fail() {
  printf 'docker-setup: ERROR: %s\n' "$*" >&2
  exit 1
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

install_missing_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]} and not root, so cannot apt-get install them"
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and there is no apt-get"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail 'apt-get update failed'
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
}

start_dockerd() {
  if engine_answers; then
    say "a Docker engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || fail 'no Docker engine answers and dockerd needs root to start'
  # A pid file left by a daemon that died would stop the new one from starting.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd (log: $DOCKERD_LOG)"
  setsid nohup dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
    >"$DOCKERD_LOG" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      fail "dockerd did not answer within ${WAIT_SECONDS}s (log above, full log in $DOCKERD_LOG)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd answers after ${waited}s"
}

# A root file system holding the host's node (and npm), the shared libraries node links against,
# the host's CA certificates (node is told to trust them: this network's TLS may be re-signed by a
# local authority that only the host's bundle holds), busybox as /bin/sh and the usual tools, and a `node` user (uid 1000) as
# the official node images have.
build_node_image() {
  local node_bin node_version
  # The repository's own Node 24 (the `node` devDependency) first: the image must run the runtime
  # the actions and the app are built and tested on, not whatever Node.js the machine came with.
  local repo_node
  repo_node="$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/node"
  if [ -x "$repo_node" ]; then
    node_bin="$(readlink -f "$repo_node")"
  else
    node_bin="$(readlink -f "$(command -v node)")" || fail 'node is not installed on the host'
  fi
  node_version="$("$node_bin" --version)"
  if [ "$(docker image inspect --format '{{ index .Config.Labels "org.shipyard.node-version" }}' "$NODE_IMAGE" 2>/dev/null)" = "$node_version" ]; then
    say "base image $NODE_IMAGE is up to date (node $node_version)"
    return 0
  fi
  say "building base image $NODE_IMAGE from the host's node $node_version"
  local root
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' RETURN
  # mktemp makes the folder 0700; as the image's / it would lock out every non-root user.
  chmod 0755 "$root"
  mkdir -p "$root"/{bin,etc,tmp,root,home/node,usr/bin,usr/lib,usr/local/bin,app,etc/ssl/certs}
  chmod 1777 "$root/tmp"
  cp "$node_bin" "$root/usr/bin/node"
  local npm_dir
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  if [ -d "$npm_dir" ]; then
    mkdir -p "$root/usr/lib/node_modules"
    cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
  fi
  # Every library node needs, at the same path as on the host, plus the dynamic loader.
  local lib
  for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  # Scripts start with `#!/usr/bin/env node` (npm itself does).
  ln -s ../../bin/busybox "$root/usr/bin/env"
  [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  chown 1000:1000 "$root/home/node"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV NODE_VERSION='"${node_version#v}" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'LABEL org.shipyard.node-version='"$node_version" \
    --change 'WORKDIR /' \
    --change 'CMD ["node"]' \
    - "$NODE_IMAGE" >/dev/null || fail "docker import of $NODE_IMAGE failed"
  docker run --rm --network host --user 1000:1000 "$NODE_IMAGE" sh -c 'node -e "process.exit(0)" && npm --version >/dev/null' ||
    fail "the base image $NODE_IMAGE cannot run node and npm as an unprivileged user"
  say "built $NODE_IMAGE ($(docker image inspect --format '{{.Size}}' "$NODE_IMAGE") bytes)"
}

# Hosts entries for the ECR emulator; optional, so a machine that cannot have them only gets a warning.
add_ecr_hosts() {
  local missing=() name pattern
  for name in $ECR_HOSTS; do
    pattern="^[[:space:]]*127\.[0-9.]+[[:space:]]+([^#]*[[:space:]])?${name//./\\.}([[:space:]]|#|$)"
    grep -Eq "$pattern" /etc/hosts 2>/dev/null || missing+=("$name")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say 'hosts entries for the ECR emulator are present'
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || [ ! -w /etc/hosts ]; then
    say "WARNING: cannot write /etc/hosts, so the ECR emulator names its registry 127.0.0.1:PORT (missing: ${missing[*]})"
    return 0
  fi
  for name in "${missing[@]}"; do
    printf '127.0.0.1 %s # shipyard ECR emulator\n' "$name" >>/etc/hosts
  done
  say "added hosts entries for the ECR emulator: ${missing[*]}"
}

if [ "${1:-}" = '--hosts-only' ]; then
  add_ecr_hosts
  exit 0
fi

add_ecr_hosts
install_missing_packages
start_dockerd
build_node_image
say "ready: engine $(docker version --format '{{.Server.Version}}'), base image $NODE_IMAGE"
