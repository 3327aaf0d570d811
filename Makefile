SHELL := /bin/bash
DATE ?= $(shell date -u -d yesterday +%F)
ROWS ?= 5000000
SEED ?= 42
CLI := node bin/telemetry-rollup.js

.PHONY: demo build rollup sample test bench clean

node_modules/.package-lock.json: package-lock.json
	npm ci
	@touch $@

build: node_modules/.package-lock.json
	npx tsc -p tsconfig.json

test: build
	node --test --test-concurrency=1 dist/test/

clean:
	rm -rf dist .cache
