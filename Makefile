# Convenience targets; the README's commands work without make.
.PHONY: build test run bench

build:
	go build -o bin/lore ./cmd/lore

test:
	./scripts/test

run:
	go run ./cmd/lore serve

bench:
	go run ./cmd/lore-bench
