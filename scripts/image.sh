#!/usr/bin/env bash
# Build the Molecule base image offline: no registry is reachable, so a
# Debian 12 root file system is made with debootstrap from the Debian mirror
# and imported into podman. Skipped when the image already exists.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${MOLECULE_IMAGE:-localhost/debian-python:12}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$image"; then
  echo "image: $image already present"
  exit 0
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/debian-rootfs.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/debootstrap.XXXXXX.log")
trap 'rm -rf "$rootfs" "$log"' EXIT
echo "image: debootstrap bookworm (minbase, python3, nginx-light) into $rootfs"
t0=$SECONDS
if ! debootstrap --variant=minbase --include=python3,nginx-light bookworm "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 30 "$log"
  exit 1
fi
# Trim what a container never needs, keeping the image and the import small.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
echo "image: importing as $image"
tar -C "$rootfs" -c . | podman import --quiet - "$image" >/dev/null
echo "image: $image built in $((SECONDS - t0)) s"
