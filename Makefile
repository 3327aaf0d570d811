SHELL := /bin/bash
DATE ?= $(shell date -u -d yesterday +%F)
ROWS ?= 5000000
SEED ?= 42
CLI := node bin/telemetry-rollup.js

.PHONY: demo compile build rollup sample test test-unit lint format bench bench-scale bench-answers bench-knobs bench-startup bench-cube bench-remote-query bench-freshness soak check-date browser clean

# Installs dependencies when package-lock.json is newer than the install.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# A clean build: tests are found under dist/, so a moved or deleted test must not linger there. The CLI runs from its
# bundle (dist/cli/, scripts/bundle-cli.ts); tests import the compiled modules (dist/src/), and unit tests need nothing
# else (`compile`, without declarations and source maps for them: TSC_FLAGS).
compile: node_modules/.package-lock.json
	rm -rf dist
	npx tsc -p tsconfig.json $(TSC_FLAGS)

build: compile
	node dist/scripts/bundle-cli.js

# Refuses a DATE that is not a real calendar day written YYYY-MM-DD (no '/', '..', spaces; 2026-13-45 and 2026-02-30
# are refused too) before anything runs: it is the first prerequisite of every target that takes a DATE, before `build`.
check-date:
	@[[ "$(DATE)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$$ ]] || { echo "make: DATE must be YYYY-MM-DD, got '$(DATE)'" >&2; exit 2; }
	@[[ "$$(date -u -d "$(DATE)" +%F 2>/dev/null)" == "$(DATE)" ]] || { echo "make: DATE '$(DATE)' is not a calendar day" >&2; exit 2; }

# The HTML report test renders the page in Debian's chromium: installed here (apt-get, as root or through sudo) when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "make: installing Debian's chromium for the HTML report test (apt-get install chromium)" >&2; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq chromium >/dev/null; }

demo: check-date build
	$(CLI) generate --date $(DATE) --rows $(ROWS) --seed $(SEED)
	$(CLI) run --date $(DATE)

sample: check-date build
	$(CLI) generate --date $(DATE) --rows $(ROWS) --seed $(SEED)

# RUN_FLAGS: more flags for run, e.g. RUN_FLAGS=--allow-empty (the crontab's run of the day before)
rollup: check-date build
	$(CLI) run --date $(DATE) $(RUN_FLAGS)

# Only *.test.js files: helpers under dist/test/helpers are not tests. The unit and property tests (and the golden
# star-tree) run as test-unit runs them, in its two parts (test/unit-suite), instead of one process each. Four files at
# a time on two cores: some files mostly wait (S3 retry back-off, servers), so the cores idled at two; the suite is now
# CPU-bound, and three at a time was no faster (2026-11-29, this machine: 716 s at three, 733 s at four, within noise).
# Suites that run CLI processes time out at 300 s or more: a timeout catches a hang, not slowness (on a loaded machine
# some took 140 s at four at a time).
UNIT_SUITE := dist/test/unit-suite/part-1.js dist/test/unit-suite/part-2.js
test: browser build
	AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node --test --test-concurrency=4 $(UNIT_SUITE) \
	  $$(find dist/test -name '*.test.js' -not -path 'dist/test/unit/*' -not -path 'dist/test/property/*' \
	    -not -path dist/test/golden/tiny-tree.test.js | sort)

# The fast loop: unit tests (one per pure module) and property tests in two processes side by side; no browser, no S3
# server, no CLI processes.
test-unit: TSC_FLAGS := --declaration false --sourceMap false
test-unit: compile
	node --test --test-concurrency=2 $(UNIT_SUITE)

# Formatting and lint rules (Biome; lines <= 120 characters) and the type check.
lint: node_modules/.package-lock.json
	npx biome check .
	npx tsc -p tsconfig.json --noEmit

# Rewrites files to the formatter's layout.
format: node_modules/.package-lock.json
	npx biome check --write .

bench: build
	node dist/bench/bench-rollup.js
	node dist/bench/bench-queries.js

# Our job against DuckDB at scale (docs/benchmarks.md): days generated once into .cache/bench-scale/; run in parts with
# e.g. `make bench-scale BENCH_SCALE_DAYS=5m,50m`; the summary table is also written to .cache/bench-scale/last.md.
BENCH_SCALE_DAYS ?= 5m,50m,200m,hc,week,7x50m
bench-scale: build
	BENCH_SCALE_DAYS=$(BENCH_SCALE_DAYS) node dist/bench/bench-scale.js

# Hourly freshness: hour 23 of the 50M-row day lands on a committed day; run --hour 23 and its first query, timed.
bench-freshness: build
	sh bench/bench-freshness.sh

clean:
	rm -rf dist .cache

soak: build
	node dist/bench/soak-kill.js

bench-knobs: build
	node dist/bench/bench-cube-knobs.js

# Whole-process start-up of the CLI (help, a query on a tiny day), median of 10 each.
bench-startup: build
	node dist/bench/bench-startup.js

# Cold one-shot queries over S3 (s3rver on 127.0.0.1 behind 0-40 ms round trips) against the local disk and DuckDB.
bench-remote-query: build
	node dist/bench/bench-remote-query.js

# Random queries over bench-scale's seven 50M-row days: the one-shot paths answer alike, and like DuckDB on raw.
bench-answers: build
	node dist/bench/answers-at-scale.js

# Cube CPU ns per base record, stage by stage, at 10^4, 10^5 and 10^6 base records (synthetic, no raw files).
bench-cube: build
	node dist/bench/bench-cube-scale.js
