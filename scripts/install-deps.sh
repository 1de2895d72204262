#!/usr/bin/env bash
# Install the Debian packages rusty-sandbox needs to build, test and benchmark.
# Idempotent: installs only what is missing and says what it installs.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc libc6-dev libjansson-dev libseccomp-dev libtree-sitter-dev
  libncurses-dev
  # tests
  libcriterion-dev python3 python3-pytest util-linux procps iproute2 tmux
  # WebAssembly test modules built from C (wasm32-wasi)
  clang lld wasi-libc libclang-rt-14-dev-wasm32
  # runtimes
  nodejs wabt
  # fetching the tree-sitter grammars (npm pack)
  npm
  # benchmarks (compared against)
  bubblewrap
)

missing=()
for p in "${packages[@]}"; do
  if [ "$p" = nodejs ] && [ -x /usr/bin/node ]; then
    continue # a node from another packager (e.g. nodesource's nodejs) is fine
  fi
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
    continue # npm that came with that node
  fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing+=("$p") ;;
  esac
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
