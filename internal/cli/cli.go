// Package cli implements the switchboard subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"switchboard/internal/config"
)

// Version is set at build time with -ldflags "-X switchboard/internal/cli.Version=…".
var Version = "dev"

// Env carries the process surroundings into a command.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (console, API, callbacks)", serve},
		{"migrate", "apply database migrations; `migrate copy --from DIR --to postgres://…` moves to PostgreSQL", migrate},
		{"admin", "manage users, tokens, passwords and channels", admin},
		{"bench", "measure ingest throughput and latency", bench},
		{"keys", "rotate the at-rest encryption key: keys rotate", keys},
		{"simulate", "run fake Feishu and DingTalk platforms; --send posts signed callbacks to a channel", simulate},
		{"version", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "switchboard", Version)
			return nil
		}},
	}
}

// errUsage means the command printed its own usage.
var errUsage = errors.New("usage")

// Main runs a subcommand and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	env := Env{Stdout: stdout, Stderr: stderr, Getenv: getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		return 2
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
				return 2
			}
			fmt.Fprintln(stderr, "switchboard "+c.name+":", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "switchboard: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Switchboard — unified messaging hub (统一消息平台)\n\nUsage: switchboard <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'switchboard <command> -h' for a command's flags.")
}

// loadConfig parses the options table from args and the environment.
func loadConfig(env Env, name string, args []string, extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	load := config.Bind(fs, env.Getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, fs, err
	}
	cfg, err := load()
	return cfg, fs, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
