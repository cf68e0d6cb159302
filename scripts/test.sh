#!/usr/bin/env bash
# Install everything the tests need (a venv from requirements-dev.txt, Debian's chromium) and run them all.
# With TEST_POSTGRES_URL=postgresql://user:password@host/db (an expendable database: it is emptied),
# the database tests and the tests marked both_databases (pytest.ini) also run on PostgreSQL. The tests run on every core (at most four,
# pytest-xdist); each worker empties a database of its own beside that one (`<name>_gw0`, ...), so the role needs
# CREATEDB (pass `-n 0` to run in one process, on that database itself).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests (apt)..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest -n auto --maxprocesses=4 --dist worksteal "$@"
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  echo "Again on PostgreSQL ($TEST_POSTGRES_URL): the tests marked both_databases"
  TEST_APP_DATABASE_URL="$TEST_POSTGRES_URL" .venv/bin/python -m pytest -n auto --maxprocesses=4 -m both_databases \
    "$@"
fi
