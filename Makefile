# Everything a fresh machine with only Python 3.11+ needs: `make demo` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.8
BOOTSTRAP := .bootstrap
UV := $(BOOTSTRAP)/bin/uv
DATA ?= learnsight-data
PORT ?= 8000

.PHONY: install demo test lint format bench clean postgres

$(UV):
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $@

install: .venv/.installed

demo: install
	$(UV) run learnsight demo --data $(DATA)
	@echo "Credentials for HTTP Basic auth on the xAPI endpoint and /api/v1:"
	$(UV) run learnsight credentials create --name demo --scopes all api/read api/write --data $(DATA)
	$(UV) run learnsight serve --data $(DATA) --port $(PORT)

lint: install
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks
	$(UV) run mypy

# Every KPI test also runs on PostgreSQL (tests/metrics starts a throwaway server): its server
# binaries come from Debian's package when they are missing.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { echo "installing PostgreSQL's server (apt-get) for the KPI tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

test: lint postgres
	$(UV) run pytest -n 2 -q --timeout 300

format: install
	$(UV) run ruff format src tests benchmarks
	$(UV) run ruff check --fix src tests benchmarks

bench: install
	$(UV) run python benchmarks/lrs.py

clean:
	rm -rf $(BOOTSTRAP) .venv
