# The two commands of the quick start. Both build .venv (the project installed editable) first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Optional extras to install too, e.g. `make test EXTRAS=dev,spark` (CI does).
EXTRAS ?= dev

.PHONY: run test lint serve clean migrations audit bandit messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "reunify needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

## make run: simulate a season, ingest, link, build families, print the summary; then, in a
## terminal (not in CI or a pipe), serve the web UI on 127.0.0.1:8000 until Ctrl-C
run: $(STAMP)
	$(BIN)/reunify demo
	@if [ -t 0 ] && [ -t 1 ] && [ -z "$$CI" ]; then $(BIN)/reunify serve; \
	else echo "not a terminal: skipping the web server (make serve starts it)"; fi

## make test: lint, layer contracts, then every test
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

serve: $(STAMP)
	$(BIN)/reunify serve

bandit: $(STAMP)
	$(BIN)/bandit -q -r src/reunify -ll

## make audit: static security analysis (bandit) and known vulnerabilities of dependencies
audit: bandit
	$(BIN)/pip-audit --skip-editable --progress-spinner off

## make messages: refresh the Spanish catalogue and compile it (needs gettext); both are committed
messages: $(STAMP)
	cd src/reunify && DJANGO_SETTINGS_MODULE=reunify.settings ../../$(BIN)/django-admin makemessages -l es \
		--ignore 'migrations/*' --ignore 'simulator/*' --ignore 'linkage/*' --ignore 'interchange/*' \
		--ignore 'reports/*' --ignore 'cli/*'
	cd src/reunify && DJANGO_SETTINGS_MODULE=reunify.settings ../../$(BIN)/django-admin compilemessages

## regenerate the single initial migration (the schema has not been released yet)
migrations: $(STAMP)
	rm -f src/reunify/migrations/0*.py
	DJANGO_SETTINGS_MODULE=reunify.settings $(BIN)/django-admin makemigrations reunify -n initial

clean:
	rm -rf $(VENV) reunify.sqlite3* .reunify .pytest_cache
