# Thin wrapper over Meson. `make demo` and `make test` set up everything they need.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
PYTHON ?= /usr/bin/python3
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: all deps build demo test unit integration bench install clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: deps build
	$(BUILD)/rusty-sandbox run examples/hello.py
	$(BUILD)/rusty-sandbox run examples/hello.js
	$(BUILD)/rusty-sandbox run examples/hello.wat
	wat2wasm examples/hello.wat -o $(BUILD)/hello.wasm
	$(BUILD)/rusty-sandbox run $(BUILD)/hello.wasm

unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

integration: build
	SBX_BIN=$(abspath $(BUILD))/rusty-sandbox $(PYTHON) -m pytest -q tests/integration $(PYTEST_ARGS)

test: deps build
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory integration

bench: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) rusty-sandbox
	$(PYTHON) bench/bench.py --bin $(BUILD)/rusty-sandbox $(BENCH_ARGS)
	ninja -C $(BUILD) sbx-bench-analysis
	$(BUILD)/sbx-bench-analysis

install: build
	meson configure $(BUILD) --prefix=$(PREFIX)
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir "$(DESTDIR)")

clean:
	rm -rf $(BUILD)
