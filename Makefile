# The README's two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run serve test test-postgres setup browser translations assets lint bench clean

setup: $(VENV)/.installed browser translations assets

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

# Browser libraries (rrweb, rrweb-player, ECharts) from the npm registry, served by the sandbox.
assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@bash scripts/ensure_node.sh
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

browser:
	@bash scripts/ensure_browser.sh

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -d sandbox/translations -D messages 2>&1 | grep -v "^compiling" || true

run: setup
	$(PY) -m sandbox init-db --demo
	$(PY) app.py

# An exam centre's server: gunicorn with WORKERS processes (configure PostgreSQL, Redis and Celery by
# SANDBOX_* variables, README "Running an exam centre").
WORKERS ?= 4
serve: setup
	$(PY) -m sandbox init-db --demo
	$(PY) -m sandbox serve --workers $(WORKERS)

test: setup
	$(PY) -m pytest -q -p no:cacheprovider -n $$(( $$(nproc) * 2 )) --dist worksteal

# The whole suite with every test app's worlds on PostgreSQL (needs the server at its standard port).
test-postgres: setup
	SANDBOX_TEST_WORLD_STORE=$${SANDBOX_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/} \
		$(PY) -m pytest -q -p no:cacheprovider -n $$(( $$(nproc) * 2 )) --dist worksteal

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: setup
	$(PY) benchmarks/world_reset.py
	$(PY) benchmarks/grade.py

clean:
	rm -rf instance .pytest_cache
