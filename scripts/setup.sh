#!/usr/bin/env bash
# Installs what sonde needs to build, test and benchmark on Debian 12. Idempotent:
# packages already present are not touched and apt is not consulted at all.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang-16 libclang-16-dev libclang-cpp16-dev llvm-16-dev lld-16 libclang-rt-16-dev
  libbpf-dev libelf-dev zlib1g-dev libzstd-dev bpftool
  antlr4 default-jre-headless libantlr4-runtime-dev
  libfmt-dev libgtest-dev googletest libgmock-dev libbenchmark-dev
  libcivetweb-dev prometheus-cpp-dev libssl-dev libcrypt-dev libedit-dev libdw-dev
  prometheus bpftrace libbpf-tools
  tmux libcap2-bin procps iproute2 python3 hyperfine strace openssl clang-tidy-14
  groff-base bsdextrautils zsh python3-yaml python3-jsonschema
  # tests/e2e/containers_test.cpp runs a real container: podman with runc (crun refuses
  # hybrid cgroup hosts), an image made from the static busybox, curl for podman's API.
  podman runc busybox-static curl
  # tests/e2e/differential/http_test.cpp measures a second HTTP server (writev answers).
  lighttpd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Debian prometheus package starts a system service listening on :9090 and
# node exporter; tests start their own server on loopback, so stop the service.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
# lighttpd's package starts a service on :80; the test runs its own on loopback.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet lighttpd 2>/dev/null; then
  systemctl stop lighttpd || true
fi
