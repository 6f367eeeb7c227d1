#!/usr/bin/env bash
# Installs the Debian packages edgewm builds and tests with, when any is missing.
# Run as root (or with sudo available); otherwise prints the command to run.
set -euo pipefail

PACKAGES=(
  cmake make g++ ccache                       # toolchain (ccache: rebuilds of CI clones are fast)
  libprotobuf-dev protobuf-compiler libonnx-dev  # compiler side: ONNX import
  libonnx-testdata                             # ONNX conformance cases for `make test`
  libgtest-dev libgmock-dev libbenchmark-dev   # tests and micro-benchmarks
  libcli11-dev nlohmann-json3-dev libxxhash-dev  # command line, JSON reports, model checksums
  libpng-dev libgif-dev                        # tools: PNG frames, animated GIF rollouts
  python3 python3-numpy                        # CLI tests read the .npy/.json the tools write
  g++-aarch64-linux-gnu qemu-user              # `make test-arm`: the runtime's tests on ARM64
  clang libclang-rt-14-dev                     # `make fuzz`: libFuzzer with ASan + UBSan
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "edgewm: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "edgewm: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
