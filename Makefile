# Switchboard — the two commands: `make run` and `make test`.
GO      ?= go
BIN     := bin/switchboard
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X switchboard/internal/cli.Version=$(VERSION)

.PHONY: build run test test-short vet bench clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/switchboard

## run: build and start with embedded defaults (SQLite in ./data, http://127.0.0.1:8080)
run: build
	./$(BIN) serve

## test: every test, with the race detector
test:
	./scripts/test-deps.sh
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	# the official DingTalk stream SDK's own loop is not race-clean: its cross-checks run without -race
	$(GO) test -count=1 -run '^TestSDK' ./internal/simulator/dingtalk/

test-short:
	$(GO) test -count=1 ./...

bench: build
	./$(BIN) bench ingest

clean:
	rm -rf bin
