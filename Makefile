# The two commands of the README: `make demo` and `make test`. Each installs what it needs.
# For maintainers: `make lint` (ruff + mypy), `make unit` (the pure tests, no database, in seconds).
SHELL := /bin/bash
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export ENFORCE_HOME ?= $(CURDIR)/var
export PREFECT_HOME ?= $(ENFORCE_HOME)/prefect
UV := uv run --frozen --quiet

PORT ?= 8000

.PHONY: setup demo demo-data serve stop test unit lint bench

setup:
	@bash .ci/setup
	@mkdir -p "$(PREFECT_HOME)"

# The demo county, this morning's scheduled work, then the web pages and API in the background.
demo: demo-data serve

demo-data: setup
	$(UV) enforce demo

serve: stop
	@mkdir -p "$(ENFORCE_HOME)"
	@(trap - INT; nohup $(UV) enforce serve --port $(PORT) > "$(ENFORCE_HOME)/serve.log" 2>&1 & echo $$! > "$(ENFORCE_HOME)/serve.pid")
	@for i in $$(seq 60); do curl -fs http://127.0.0.1:$(PORT)/api/v1/health >/dev/null && break; sleep 1; done
	@curl -fs http://127.0.0.1:$(PORT)/api/v1/health >/dev/null || (echo "服务未能启动，见 $(ENFORCE_HOME)/serve.log"; exit 1)
	@echo "网页：http://127.0.0.1:$(PORT)/    接口文档：http://127.0.0.1:$(PORT)/docs    （make stop 停止）"

stop:
	@if [ -f "$(ENFORCE_HOME)/serve.pid" ]; then kill $$(cat "$(ENFORCE_HOME)/serve.pid") 2>/dev/null || true; rm -f "$(ENFORCE_HOME)/serve.pid"; sleep 1; fi

# Two workers (one per core), each test module whole on one worker so module fixtures are built once;
# the 25 slowest tests are listed at the end (docs/operations.md, "Test suite").
test: setup
	$(UV) pytest -q -n 2 --dist loadscope --durations=25

# The pure tests: the calendar, deadlines, lifecycle, planner, readers and the architecture rules.
# Slow ones (solver runs, random walks) are marked `slow` and run in `make test`.
unit:
	$(UV) pytest -q -p no:cacheprovider tests/unit tests/test_architecture.py -m "not slow"

lint:
	$(UV) ruff check .
	$(UV) mypy

bench: setup
	$(UV) python bench/transitions.py
	$(UV) python bench/documents.py
	$(UV) python bench/patrols.py
	$(UV) python bench/fanout.py
