# The two commands of the README: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export ENFORCE_HOME ?= $(CURDIR)/var
export PREFECT_HOME ?= $(ENFORCE_HOME)/prefect
UV := uv run --frozen --quiet

.PHONY: setup demo test bench lint

setup:
	@bash .ci/setup
	@mkdir -p "$(PREFECT_HOME)"

demo: setup
	$(UV) enforce demo

test: setup
	$(UV) pytest -q

bench: setup
	$(UV) python bench/transitions.py
	$(UV) python bench/documents.py
	$(UV) python bench/patrols.py
