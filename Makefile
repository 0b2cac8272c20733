# The two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed
# check --deploy needs a production-shaped secret; this one is for the check only.
CHECK_SECRET := check-deploy-only-0f5c8a2e7b9d41c3a6e8f0b2d4c6e8a1b3d5f7092c4e6a8b

.PHONY: run test setup assets chromium lint checks clean permissions

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "DMT is at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite runs in TEST_PROCESSES processes (pytest-xdist): one per core, at most 4 (each
# has its own test database, live server and Chromium). --dist loadgroup keeps the tests
# marked xdist_group together (tests/conftest.py says which and why). TEST_PROCESSES=0 runs
# it in this one process.
TEST_PROCESSES ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))

test: setup chromium checks
	DJANGO_SETTINGS_MODULE=dmt.settings.test $(PY) -m pytest -n $(TEST_PROCESSES) --dist loadgroup

setup: $(INSTALLED) static/dist/app.css

$(PY):
	python3 -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/dist/app.css: node_modules/.package-lock.json static/scss/app.scss static/build.mjs
	npm run build

assets: node_modules/.package-lock.json
	npm run build

# The browser tests drive Debian's Chromium; install it when missing. If that fails the
# browser tests skip with a reason locally, and fail in CI (DMT_REQUIRE_SERVICES=1).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-liberation \
	  >/dev/null || echo "Could not install chromium: browser tests will not run"; }

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy reads its settings, django-stubs' included, from pyproject.toml.
checks: lint
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=dmt.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=dmt.settings.test $(PY) manage.py spectacular --validate \
	  --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=dmt.settings.production SECRET_KEY=$(CHECK_SECRET) \
	  ALLOWED_HOSTS=dmt.example.org $(PY) manage.py check --deploy --fail-level WARNING

# docs/permissions.md is written from a walk of every page as every role; the suite fails
# when it and the code disagree. After changing who may do what, run this and read the diff.
permissions: setup
	DMT_WRITE_PERMISSIONS=1 DJANGO_SETTINGS_MODULE=dmt.settings.test $(PY) -m pytest -q \
	  tests/security/test_walk.py -k permission_matrix

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles db.sqlite3
