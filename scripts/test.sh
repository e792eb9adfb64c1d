#!/usr/bin/env bash
# The test command (README "Set-up", and .ci/run): installs what the tests need, then runs ruff,
# mypy --strict, the import contracts and pytest. Debian's chromium is installed with apt for the
# browser tests (as root, or through sudo), since Playwright cannot download a browser here.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo"
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest -q
