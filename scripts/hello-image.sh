#!/usr/bin/env bash
# Builds tsdock/hello, the image the README's first container runs, with tsdock itself and without
# a registry: Debian's busybox-static (its httpd serves the page) and a one-page web root in /www.
#
#   bash scripts/hello-image.sh [NAME]     (default tsdock/hello; setup.sh runs it)
#
# The containerd, namespace and data root are tsdock's usual ones (CONTAINERD_ADDRESS,
# CONTAINERD_NAMESPACE, TSDOCK_DATA_ROOT), so the test suite builds it on its private containerd.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name=${1:-tsdock/hello}

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  # A dynamically linked busybox (Debian's `busybox` package) would not run in an empty image.
  if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then busybox=$candidate; break; fi
done
if [ -z "$busybox" ]; then
  echo "hello-image: a static busybox is needed: apt-get install busybox-static" >&2
  exit 1
fi

ctx=$(mktemp -d "${TMPDIR:-/tmp}/tsdock-hello-XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/www" "$ctx/rootfs/tmp"
cp "$busybox" "$ctx/rootfs/bin/busybox"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ctx/rootfs/etc/group"
cat >"$ctx/rootfs/www/index.html" <<'EOF'
<!doctype html>
<title>Hello from tsdock</title>
<h1>Hello from tsdock</h1>
<p>This page is served by busybox httpd in a container that tsdock runs on containerd.</p>
EOF
cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
# busybox's applets (sh, httpd, ls …) as links in /bin.
RUN --network=none ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
WORKDIR /www
EXPOSE 80
LABEL org.opencontainers.image.title="tsdock/hello" \
      org.opencontainers.image.description="busybox httpd serving a one-page site, built locally by tsdock"
CMD ["httpd", "-f", "-v", "-p", "80"]
EOF
chmod 1777 "$ctx/rootfs/tmp"

"$root/bin/tsdock" build --quiet -t "$name" "$ctx" >/dev/null
echo "hello-image: built $name — try: tsdock run -d -p 8080:80 --memory 256m --name web $name"
