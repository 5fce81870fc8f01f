#!/usr/bin/env bash
# Install a pinned Schemathesis (the OpenAPI fuzzer test/api/schemathesis.test.ts runs against the ingress) into a
# virtualenv in .tools/schemathesis-<version>/ (git-ignored), from PyPI. Idempotent. Prints the `st` path.
#   scripts/install-schemathesis.sh            -> the pinned version below
#   scripts/install-schemathesis.sh 4.32.5
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${1:-4.32.5}"
DIR=".tools/schemathesis-${VERSION}"
if [ ! -x "${DIR}/bin/st" ] || ! "${DIR}/bin/st" --version 2>/dev/null | grep -q "${VERSION}"; then
  command -v python3 >/dev/null 2>&1 || { echo "install-schemathesis: python3 (3.9+) is required" >&2; exit 1; }
  rm -rf "$DIR"
  python3 -m venv "$DIR"
  "${DIR}/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==${VERSION}" >&2
  "${DIR}/bin/st" --version >/dev/null
fi
echo "$PWD/${DIR}/bin/st"
