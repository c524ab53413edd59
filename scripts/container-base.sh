#!/usr/bin/env bash
# A container base image built on this machine, for hosts that reach no container registry (the Containerfile takes
# its base as `--build-arg BASE=…`): Debian (debootstrap's minbase variant, from the mirror apt uses) with the Node
# binary of the npm `node` devDependency and npm, the same shape as the registry's node:24-bookworm-slim. The root
# file system is cached as a tarball under ~/.cache/payauth, so that a second run only imports it.
#
# Usage (as root, podman, runc and debootstrap installed): bash scripts/container-base.sh [image name]
#   prints the image name, e.g. localhost/payauth-base:node-v24.21.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
node_binary=$(readlink -f "$root/node_modules/.bin/node")
version=$("$node_binary" --version)
image=${1:-localhost/payauth-base:node-$version}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/payauth
tarball=$cache/container-base-debian-$suite-node-$version.tar

# The Debian mirror apt uses here (deb822 `URIs:` or one-line `deb` entries), not the security archive.
mirror() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ' || true
}

if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  url=$(mirror)
  echo "container-base: debootstrap --variant=minbase $suite from ${url:-http://deb.debian.org/debian}" >&2
  debootstrap --variant=minbase "$suite" "$work/rootfs" "${url:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 ||
    { cat "$work/debootstrap.log" >&2; exit 1; }
  install -m 0755 "$node_binary" "$work/rootfs/usr/local/bin/node"
  # npm, for the Containerfile's install stage (the `node` package ships the binary alone).
  mkdir -p "$work/rootfs/usr/local/lib/node_modules"
  cp -a "$(npm root -g)/npm" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # What an image does not need: package lists, downloaded .debs, documentation, logs.
  rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/*.bin "$work/rootfs"/var/cache/apt/archives/*.deb \
    "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/* "$work/rootfs"/var/log/*
  tar --numeric-owner -C "$work/rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

if ! podman image exists "$image"; then
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    "$tarball" "$image" >/dev/null
fi
echo "$image"
