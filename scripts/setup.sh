#!/usr/bin/env bash
# Makes a fresh Debian machine ready for tsdock in one go: installs what is missing, builds,
# starts containerd if it is not running, puts `tsdock` on PATH and builds the local image
# tsdock/hello the README's first container runs. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (containerd, runc, network namespaces and iptables need it)" >&2
  exit 1
fi
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (Debian 12's nodejs is 18; use NodeSource or a Node image)" >&2
  exit 1
fi

# Debian packages: runtime parts, the test image source (busybox-static), the test registry,
# tini-static for --init (as Docker's docker-init), a C compiler for the per-container monitor, and
# zsh, whose completion script the tests load.
pkgs=(containerd runc iptables iproute2 busybox-static docker-registry tini gcc libc6-dev util-linux procps zsh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci builds too (package.json's prepare: scripts/build.sh).
npm ci --no-audit --no-fund

sock=${CONTAINERD_ADDRESS:-/run/containerd/containerd.sock}
if ! ctr --address "$sock" version >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && systemctl start containerd 2>/dev/null; then
    :
  else
    echo "setup: starting containerd (log: /var/log/containerd.log)"
    nohup containerd >/var/log/containerd.log 2>&1 &
  fi
  for _ in $(seq 1 100); do ctr --address "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done
  ctr --address "$sock" version >/dev/null 2>&1 || { echo "setup: containerd did not come up" >&2; exit 1; }
fi

ln -sf "$PWD/bin/tsdock" /usr/local/bin/tsdock

# After a reboot, containers with restart policies come back (dockerd does this when it starts):
# a unit runs `tsdock system restore --all-namespaces` once containerd is up. Only where systemd
# runs; elsewhere, run that command from the boot scripts (docs/boot.md).
if [ -d /run/systemd/system ]; then
  install -m 0644 systemd/tsdock-restore.service /etc/systemd/system/tsdock-restore.service
  systemctl daemon-reload
  systemctl enable tsdock-restore.service >/dev/null 2>&1 || echo "setup: could not enable tsdock-restore.service" >&2
fi

# The README's first container needs an image and there may be no internet: tsdock builds one from
# Debian's busybox-static (busybox httpd and a one-page web root).
bash scripts/hello-image.sh tsdock/hello
echo "setup: done — try 'tsdock run -d -p 8080:80 --memory 256m --name web tsdock/hello' then 'curl localhost:8080'"
