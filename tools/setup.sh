#!/usr/bin/env bash
# Installs every Debian 12 package pmtuguard needs to build, test, benchmark and run its demo lab.
# One list, used by the README commands and by .ci/run.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang llvm
  libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
  libcpp-httplib-dev libmnl-dev libgtest-dev libgmock-dev
  # lab, end-to-end tests and benchmarks
  iproute2 iputils-ping iputils-tracepath tshark python3-scapy iptables ethtool procps
  curl python3 prometheus
)

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: must run as root (it installs Debian packages)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian prometheus package starts a server on :9090; the tests run their own on loopback.
if systemctl is-active --quiet prometheus 2>/dev/null; then systemctl stop prometheus || true; fi
echo "setup.sh: all packages present"
