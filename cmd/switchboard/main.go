// Command switchboard is the unified messaging hub. See `switchboard help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"switchboard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
