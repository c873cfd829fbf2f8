#!/usr/bin/env bash
# Make rootful podman usable for Molecule on a Debian 12 machine.
# Idempotent: installs only missing packages and rewrites the config only
# when it differs. The runtime is runc because crun fails on the cgroup setup
# of these kernels, and the default ulimits make container start fail with
# EPERM, so they are capped at 1024.
set -euo pipefail

need=()
for pkg in podman runc debootstrap; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    need+=("$pkg")
  fi
done
if [ ${#need[@]} -gt 0 ]; then
  echo "podman-setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need[@]}"
else
  echo "podman-setup: podman, runc and debootstrap already installed"
fi

conf=/etc/containers/containers.conf
wanted='[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"'
if [ -f "$conf" ] && [ "$(cat "$conf")" = "$wanted" ]; then
  echo "podman-setup: $conf already configured"
else
  if [ -f "$conf" ]; then
    cp "$conf" "$conf.bak.$(date +%s)"
    echo "podman-setup: saved the previous $conf"
  fi
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$wanted" > "$conf"
  echo "podman-setup: wrote $conf (runtime runc, ulimits 1024)"
fi
