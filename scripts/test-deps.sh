#!/usr/bin/env bash
# System packages the test suite needs beyond Python ones (installed by `make test`
# and therefore by CI on a clean machine). Idempotent; quiet when all is present.
#
# - chromium: Debian's browser, driven by Playwright in tests/test_browser.py
#   (Playwright cannot download its own browsers here). Fonts make screenshots legible.
# - postgresql: Debian's server; tests/pg_service.py starts a throwaway cluster from its
#   binaries for the PostgreSQL tests (the machine's own cluster is never used).
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core fonts-liberation)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: apt-get not found; install ${need[*]} yourself (the browser test needs /usr/bin/chromium, the PostgreSQL tests initdb)" >&2
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "test-deps: not root and no passwordless sudo; install ${need[*]} with apt-get (the browser test needs /usr/bin/chromium)" >&2
    exit 0
  fi
fi

echo "test-deps: installing ${need[*]} (apt-get)…" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq && "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "test-deps: apt-get install ${need[*]} failed" >&2
  exit 1
fi
rm -f "$log"
