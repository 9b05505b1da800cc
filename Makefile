# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2

.PHONY: run serve-prod test install install-test samples benchmarks clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the project (editable) once, and again whenever pyproject.toml changes.
$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Creates instance/ and the SQLite database on first run, loads the sample data, publishes a
# demo round for this term (once; see README), prints a coordinator token, then serves the API and pages with gunicorn; each worker process also sends
# the mail outbox from a thread (to .eml files under instance/outbox/ unless PEERMATCH_SMTP_URL is set);
# links in mail (check-in requests, digests) point at HOST:PORT unless PEERMATCH_PUBLIC_URL is set.
run: install
	$(BIN)/peermatch init --load-samples --host $(HOST) --port $(PORT)
	PEERMATCH_MAIL_WORKER=$${PEERMATCH_MAIL_WORKER:-thread} PEERMATCH_PUBLIC_URL=$${PEERMATCH_PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/gunicorn --config python:service.gunicorn_conf --workers $(WORKERS) --threads 2 --bind $(HOST):$(PORT) 'service:create_app()'

serve-prod: install
	$(BIN)/peermatch init --host $(HOST) --port $(PORT)
	$(BIN)/gunicorn --config python:service.gunicorn_conf --workers $(WORKERS) --threads 2 --bind $(HOST):$(PORT) --access-logfile - 'service:create_app()'

# Installs test dependencies (and Debian's chromium, if missing, for the browser tests), starts a
# throwaway PostgreSQL cluster for the run, runs the whole suite, removes the cluster.
test: install-test
	bash .ci/test.sh

samples: install
	$(BIN)/peermatch samples -o data/samples/teachers.csv --seed 2026

benchmarks: install
	$(BIN)/python benchmarks/peers_quality.py
	$(BIN)/python benchmarks/peers_speed.py
	$(BIN)/python benchmarks/practice_quality.py
	$(BIN)/python benchmarks/mdgp.py
	$(BIN)/python benchmarks/cohorts_scale.py
	$(BIN)/python benchmarks/service_load.py
	$(BIN)/python benchmarks/outbox.py
	$(BIN)/python benchmarks/rounds.py --seconds 30

clean:
	rm -rf $(VENV) instance test-artifacts build *.egg-info
