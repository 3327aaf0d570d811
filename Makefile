SHELL := /bin/bash
DATE ?= $(shell date -u -d yesterday +%F)
ROWS ?= 5000000
SEED ?= 42
CLI := node bin/telemetry-rollup.js

.PHONY: demo build rollup sample test test-unit lint format bench bench-knobs soak check-date clean

# Installs dependencies when package-lock.json is newer than the install.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# A clean build: tests are found under dist/, so a moved or deleted test must not linger there.
build: node_modules/.package-lock.json
	rm -rf dist
	npx tsc -p tsconfig.json

# Refuses a DATE that is not YYYY-MM-DD before anything runs (no '/', '..', spaces).
check-date:
	@[[ "$(DATE)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$$ ]] || { echo "make: DATE must be YYYY-MM-DD, got '$(DATE)'" >&2; exit 2; }

demo: check-date build
	$(CLI) generate --date $(DATE) --rows $(ROWS) --seed $(SEED)
	$(CLI) run --date $(DATE)

sample: check-date build
	$(CLI) generate --date $(DATE) --rows $(ROWS) --seed $(SEED)

rollup: check-date build
	$(CLI) run --date $(DATE)

# Only *.test.js files: helpers under dist/test/helpers are not tests.
test: build
	AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node --test --test-concurrency=1 $$(find dist/test -name '*.test.js' | sort)

# The fast loop: unit tests (one per pure module) and property tests; no browser, no S3 server, no CLI processes.
test-unit: build
	node --test $$(find dist/test/unit dist/test/property -name '*.test.js' | sort) dist/test/golden/tiny-tree.test.js

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

clean:
	rm -rf dist .cache

soak: build
	node dist/bench/soak-kill.js

bench-knobs: build
	node dist/bench/bench-cube-knobs.js
