#!/usr/bin/env bash
# System packages the test suite needs beyond Python ones (installed by `make test`
# and therefore by CI on a clean machine). Idempotent; quiet when all is present.
set -euo pipefail
exit 0
