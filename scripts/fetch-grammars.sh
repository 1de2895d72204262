#!/usr/bin/env bash
# Fetch the tree-sitter grammars rusty-sandbox's static analysis is built with (DESIGN section 6):
# the npm packages tree-sitter-python@0.21.0 and tree-sitter-javascript@0.21.4, unpacked under
# third_party/grammars/<name>/ (git-ignored, never committed). Idempotent; `npm pack` downloads
# only the tarball (no install scripts run). Usage: scripts/fetch-grammars.sh [DEST]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/third_party/grammars}
grammars=(tree-sitter-python@0.21.0 tree-sitter-javascript@0.21.4)

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-grammars: npm is needed (apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$dest"
for spec in "${grammars[@]}"; do
  name=${spec%@*}
  version=${spec#*@}
  out=$dest/$name
  if [ -f "$out/.version" ] && [ "$(cat "$out/.version")" = "$version" ] &&
     [ -f "$out/src/parser.c" ]; then
    continue
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch-grammars: npm pack $spec"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tar -xzf "$tmp"/"$name"-"$version".tgz -C "$tmp"
  rm -rf "$out"
  mkdir -p "$out"
  cp -r "$tmp/package/src" "$out/src"
  for f in LICENSE package.json; do
    [ -f "$tmp/package/$f" ] && cp "$tmp/package/$f" "$out/"
  done
  echo "$version" >"$out/.version"
  rm -rf "$tmp"
  trap - EXIT
done
