# The two commands: `make demo` and `make test`. Everything else is what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.install-stamp
# The repository's compiler (5.9), by path: the devDependency `typescript6` (TypeScript 6, for a test) ships a
# `tsc` too, and which of the two node_modules/.bin/tsc links to is up to npm.
TSC := node node_modules/typescript/bin/tsc

.PHONY: help install build engine test test-unit test-engine demo bench schema sdks clean lint-workflows release

help:
	@echo "make demo   - install, build the engine if needed, start chaser-local, run examples/quickstart (preview, up, outputs, destroy)"
	@echo "make test   - the whole suite: type-check, unit/conformance/hook tests, then the real-engine lifecycle tests"
	@echo "make engine - build the pinned Pulumi CLI and language hosts (Node.js, Python, Go, YAML; cached outside the repo); prints the bin dir"
	@echo "make schema - regenerate schema.json, the TypeScript SDK, the README reference and the other languages' SDKs from the models"
	@echo "make sdks   - regenerate sdk/python, sdk/go, sdk/dotnet from schema.json with Pulumi's code generators (engine/sdkgen.sh)"
	@echo "make bench  - benchmarks (chaser-local listing and hardening, shared listings, large stacks of 500 and 2000 against the engine's floor, with and without skipped checkpoints; about three hours)"
	@echo "make release - release/: the plugin's self-contained executables per platform (archives), the npm package, the Python wheel and sdist, the Go and .NET SDKs, schema.json, SHA256SUMS"
	@echo "make lint-workflows - actionlint (pinned, built once) on examples/github-actions (also part of make test)"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NPM_STAMP)

build: install
	$(TSC) -p tsconfig.json

engine:
	@bash engine/build.sh

schema: build
	node scripts/gen-schema.js > schema.json
	node scripts/gen-sdk.js
	$(TSC) -p tsconfig.json
	node scripts/gen-reference.js
	bash engine/sdkgen.sh

sdks:
	bash engine/sdkgen.sh

test: build
	$(TSC) -p tsconfig.test.json
	$(TSC) -p tsconfig.examples.json
	bash scripts/actionlint.sh > /dev/null
	rm -f .jest-results.json; bin="$$(bash engine/build.sh)" && CHASER_ENGINE_BIN="$$bin" npx jest --ci --json --outputFile=.jest-results.json; \
	  rc=$$?; node scripts/test-summary.js .jest-results.json; exit $$rc

test-unit: build
	npx jest --ci --selectProjects unit

test-engine: build
	bin="$$(bash engine/build.sh)" && CHASER_ENGINE_BIN="$$bin" npx jest --ci --selectProjects engine

lint-workflows:
	bash scripts/actionlint.sh examples/github-actions/*.yml .github/workflows/*.yml

# Everything a release publishes, in release/ (scripts/release/build.js; skipped when release/ holds a build of the
# same inputs). The first run downloads the Node.js binaries (npm registry), builds rcodesign (crates.io) and the
# Python build virtualenv (PyPI) into ~/.cache/pulumi-chaser.
release: build
	node scripts/release/build.js --out release

demo: build
	@bash scripts/demo.sh

bench: build
	node bench/list-workspaces.js
	node bench/shared-listing.js
	node bench/chaser-local-adversarial.js
	node bench/large-stack.js
	node bench/large-stack.js --engine-options --sizes 500 --rounds 2

clean:
	rm -rf dist node_modules .demo
