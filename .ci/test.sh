#!/usr/bin/env bash
# Runs the whole test suite. Installs Debian's chromium when it is missing (browser tests) and
# starts a throwaway PostgreSQL cluster so persistence and API tests run against both databases.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cohort engine's numba kernels are compiled once here, beside the gates (a minute of one
# core on a fresh clone), and cached in __pycache__: the pytest workers then only load them
# instead of each compiling them again.
.venv/bin/python -c 'from matcher.cohorts.warmup import warm_up; warm_up()' >/dev/null &
warm_up=$!

# Gates first (seconds, not minutes): lint and type check, configured in pyproject.toml.
.venv/bin/ruff check matcher service tests benchmarks
.venv/bin/mypy

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi

# tests/test_readme_tour.py runs the README's curl lines with curl itself.
if ! command -v curl >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null) \
    || echo "warning: could not install curl; the README tour test will fail" >&2
fi

if [ -z "${PEERMATCH_TEST_POSTGRES_URL:-}" ]; then
  if url=$(bash .ci/postgres.sh start); then
    export PEERMATCH_TEST_POSTGRES_URL="$url"
    trap 'bash .ci/postgres.sh stop' EXIT
  else
    echo "warning: could not start PostgreSQL; PostgreSQL tests will be skipped" >&2
  fi
fi

wait "$warm_up" || echo "warning: the cohort engine did not compile ahead; the tests that use it compile it" >&2

# Two workers (pytest-xdist; PEERMATCH_TEST_WORKERS=0 runs in one process). A test module stays
# on one worker (its module fixtures are built once), and so do all browser tests (one live
# app and one chromium); see tests/conftest.py. Each worker has its own temporary folders and
# its own PostgreSQL template and test databases (tests/service/conftest.py).
.venv/bin/python -m pytest -n "${PEERMATCH_TEST_WORKERS:-2}" --dist loadfile "$@"
