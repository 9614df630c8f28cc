# cbr: the two commands README.md opens with are `make demo` and `make test`.
SHELL := /bin/bash
export CBR_HOME ?= $(CURDIR)/.cache
SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
BIN = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: all bootstrap build test demo clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(RELEASE)

# The suite runs optimized: several tests run the CNN, which is far too slow in a debug build.
test: bootstrap
	$(RELEASE) --build-tests
	CBR_BIN="$(BIN)/cbr" $(SWIFT) test -c release --skip-build

demo: build
	"$(BIN)/cbr" --help

clean:
	rm -rf .build
