# hardmax — build, serve and test.   `make run` / `make test` are the two entry points (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PORT ?= 8000
export PATH := $(HOME)/.cargo/bin:$(PATH)

.NOTPARALLEL:
.PHONY: run test setup setup-wasm wasm serve bench dist clean-pkg test-native test-model-check test-wasm test-e2e

# Build the page and serve the project root (index.html + www/) on http://127.0.0.1:$(PORT)/
run: setup-wasm wasm serve

# Install everything, then run every test: native, wasm facade (headless chromium), browser e2e.
test: setup test-native test-model-check test-wasm wasm test-e2e
	@echo "[test] all test stages passed"

setup:
	bash scripts/setup.sh all

setup-wasm:
	bash scripts/setup.sh wasm python

wasm:
	bash scripts/build-wasm.sh

serve:
	@echo ""
	@echo "    Open http://127.0.0.1:$(PORT)/    (Ctrl-C to stop; PORT=NNNN make run for another port)"
	@echo ""
	python3 -m http.server --bind 127.0.0.1 $(PORT)

test-native:
	cargo test --release

# An independent numpy forward pass of exported models (tests/model_check.py).
test-model-check:
	cargo build --release --bin hardmax
	python3 tests/model_check.py --hardmax "$${CARGO_TARGET_DIR:-target}/release/hardmax" tests/data/*.ts

test-wasm:
	@if [ -f tests/web.rs ]; then \
		echo "[test] cargo test --target wasm32-unknown-unknown --test web"; \
		cargo test --target wasm32-unknown-unknown --test web; \
	else \
		echo "[test] tests/web.rs not found: skipping wasm facade tests"; \
	fi

test-e2e:
	@if compgen -G 'tests/e2e/*.test.mjs' >/dev/null; then \
		echo "[test] node --test tests/e2e/"; \
		node --test tests/e2e/; \
	else \
		echo "[test] no tests/e2e/*.test.mjs: skipping browser e2e tests"; \
	fi

bench:
	cargo run --release --bin hardmax -- bench

dist:
	@if [ -f scripts/dist.sh ]; then \
		bash scripts/dist.sh; \
	else \
		echo "scripts/dist.sh does not exist yet"; exit 1; \
	fi

clean-pkg:
	rm -rf www/pkg
