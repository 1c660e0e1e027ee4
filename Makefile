# One entry point for every routine task. `make serve` and `make test` work on a fresh clone.
.PHONY: serve test check check-fast lint format setup bench

serve:          ## set up everything and serve the assistant on http://127.0.0.1:8000
	scripts/setup.sh serve
	.venv/bin/assistant serve

test:           ## set up everything (incl. chromium) and run every check
	scripts/setup.sh test
	$(MAKE) check

check: lint     ## every check on an already set-up checkout: lint, format, the whole test suite
	.venv/bin/python -m pytest

check-fast: lint ## the tests that need no model, browser or live server (under a minute)
	.venv/bin/python -m pytest -m "not slow" -q

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench:          ## benchmarks and docs/performance.md (~12 min; numbers only mean something on a quiet machine)
	.venv/bin/python scripts/bench.py --json docs/bench/bench.json
	.venv/bin/python scripts/scale_bench.py --json docs/bench/scale.json
	.venv/bin/python scripts/plot_bench.py
