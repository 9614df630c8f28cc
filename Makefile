# cbr: the two commands README.md opens with are `make demo` and `make test`.
SHELL := /bin/bash
export CBR_HOME ?= $(CURDIR)/.cache
SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
BIN = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: all bootstrap build model test demo clean bench-embed bench bench-quick fuzz

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(RELEASE)
	@$(MAKE) --no-print-directory model

# The Lite0 model file the demo and the tests use, folded from the checkpoint bootstrap fetched.
model:
	mkdir -p "$(CBR_HOME)/models"
	"$(BIN)/cbr" model import "$(CBR_HOME)"/weights/efficientnet-lite0-*.pth --out "$(CBR_HOME)/models/efficientnet-lite0.h5"

# The suite runs optimized: several tests run the CNN, which is far too slow in a debug build.
test: bootstrap
	$(RELEASE) --build-tests
	@$(MAKE) --no-print-directory model
	@Benchmarks/setup  # ONNX Runtime, for the tests that run `cbr export`'s model (Tests/PipelineTests/ExportTests.swift)
	CBR_BIN="$(BIN)/cbr" $(SWIFT) test -c release --skip-build

demo: build
	"$(BIN)/cbr" demo

clean:
	rm -rf .build

# Embedding throughput against ONNX Runtime on the same folded weights, interleaved in one run.
bench-embed: build
	Benchmarks/setup
	"$(CBR_HOME)/bench-venv/bin/python" Benchmarks/ort_embed.py --bench "$(BIN)/bench"

# Every benchmark next to its peers, with a results page: the quick one takes a few minutes
# ($CBR_HOME/bench-results/quick/RESULTS.md); the full one writes Benchmarks/RESULTS.md.
bench-quick: build
	Benchmarks/run quick

bench: build
	Benchmarks/run full

# libFuzzer over the input readers (image decoding, checkpoint, manifest, shard, embeddings files), FUZZ_SECONDS each; not part
# of `make test`. The corpora it grows stay in $(CBR_HOME)/fuzz; see docs/reliability.md.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= image checkpoint manifest shard embeddings
fuzz: build
	Fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
