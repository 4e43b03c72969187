// Package config is Switchboard's options table: every setting has a flag, a
// SWITCHBOARD_* environment variable, a YAML key, a default and a validator.
// Precedence: flag > environment > YAML file > default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the effective configuration, passed as data to everything that needs it.
type Config struct {
	Addr          string
	DataDir       string
	DatabaseURL   string
	NATSURL       string
	PublicURL     string
	NodeID        string
	LogLevel      string
	LogFormat     string
	MaxBodyBytes  int64
	SignatureSkew time.Duration
	BatchMax      int
	BatchWait     time.Duration
	LeaseDuration time.Duration
	SessionTTL    time.Duration
	// Outbound delivery: attempts before a delivery is dead, the first
	// retry's wait (doubling after), and the per-channel circuit breaker.
	DeliveryAttempts int
	DeliveryBackoff  time.Duration
	BreakerThreshold int
	BreakerCooldown  time.Duration
	MasterKeyFile    string
	BlobDir          string
	AdminPassword    string
	// Outgoing ticket webhooks: attempts before a delivery is dead, the
	// first retry's wait, and whether link-local/metadata addresses may be called.
	TicketHookAttempts       int
	TicketHookBackoff        time.Duration
	TicketHookAllowLinkLocal bool
	TicketHookRetention      time.Duration
	// TicketAutoClose is how long a resolved ticket waits for its
	// requester before it is closed (0: until someone closes it).
	TicketAutoClose time.Duration
}

// Option is one row of the table.
type Option struct {
	Name    string // flag name and YAML key
	Default string
	Usage   string
	Secret  bool
	set     func(c *Config, v string) error
	get     func(c *Config) string
}

// Env is the environment variable for an option.
func (o Option) Env() string {
	return "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_"))
}

func str(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }
}

func dur(p func(*Config) *time.Duration) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("want a duration such as 300s, got %q", v)
			}
			*p(c) = d
			return nil
		}, func(c *Config) string {
			return p(c).String()
		}
}

func boolean(p func(*Config) *bool) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false, got %q", v)
			}
			*p(c) = b
			return nil
		}, func(c *Config) string {
			return strconv.FormatBool(*p(c))
		}
}

func integer[T int | int64](p func(*Config) *T) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("want a positive integer, got %q", v)
			}
			*p(c) = T(n)
			return nil
		}, func(c *Config) string {
			return strconv.FormatInt(int64(*p(c)), 10)
		}
}

func opt(name, def, usage string, secret bool, set func(*Config, string) error, get func(*Config) string) Option {
	return Option{Name: name, Default: def, Usage: usage, Secret: secret, set: set, get: get}
}

// Options is the table, in the order shown by --help and --config-dump.
func Options() []Option {
	o := []Option{}
	add := func(x Option) { o = append(o, x) }
	s, g := str(func(c *Config) *string { return &c.Addr })
	add(opt("addr", "127.0.0.1:8080", "address to listen on", false, s, g))
	s, g = str(func(c *Config) *string { return &c.DataDir })
	add(opt("data-dir", "./data", "directory for the SQLite database, keys and attachments", false, s, g))
	s, g = str(func(c *Config) *string { return &c.DatabaseURL })
	add(opt("database-url", "", "PostgreSQL URL; empty = SQLite in the data directory", true, s, g))
	s, g = str(func(c *Config) *string { return &c.NATSURL })
	add(opt("nats-url", "", "NATS URL for events between nodes; empty = in-process", true, s, g))
	s, g = str(func(c *Config) *string { return &c.PublicURL })
	add(opt("public-url", "", "URL platforms and browsers use to reach this server (default http://<addr>)", false, s, g))
	s, g = str(func(c *Config) *string { return &c.NodeID })
	add(opt("node-id", "", "name of this node in a cluster (default: hostname-pid)", false, s, g))
	s, g = str(func(c *Config) *string { return &c.LogLevel })
	add(opt("log-level", "info", "debug, info, warn or error", false, s, g))
	s, g = str(func(c *Config) *string { return &c.LogFormat })
	add(opt("log-format", "text", "text or json", false, s, g))
	s, g = integer(func(c *Config) *int64 { return &c.MaxBodyBytes })
	add(opt("max-body-bytes", "1048576", "largest accepted callback body", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.SignatureSkew })
	add(opt("signature-skew", "300s", "accepted age of a signed callback's timestamp", false, s, g))
	s, g = integer(func(c *Config) *int { return &c.BatchMax })
	add(opt("batch-max", "1024", "most envelopes in one group commit", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.BatchWait })
	add(opt("batch-wait", "0s", "extra time a group commit waits to fill (0 = commit as soon as the disk is free)", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.LeaseDuration })
	add(opt("lease", "30s", "how long a node holds claimed work before another may take it", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.SessionTTL })
	add(opt("session-ttl", "168h", "console session lifetime", false, s, g))
	s, g = integer(func(c *Config) *int { return &c.DeliveryAttempts })
	add(opt("delivery-attempts", "10", "attempts at an outbound delivery before it is dead (or falls back)", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.DeliveryBackoff })
	add(opt("delivery-backoff", "1s", "wait before the first retry of a failed delivery; doubles each time, up to 10m, ±20 % jitter", false, s, g))
	s, g = integer(func(c *Config) *int { return &c.BreakerThreshold })
	add(opt("breaker-threshold", "5", "failed sends in a row that open a channel's circuit breaker", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.BreakerCooldown })
	add(opt("breaker-cooldown", "30s", "how long an open breaker keeps deliveries off its channel", false, s, g))
	s, g = str(func(c *Config) *string { return &c.MasterKeyFile })
	add(opt("key-file", "", "file with the at-rest encryption keys (default <data-dir>/keys.json)", false, s, g))
	s, g = str(func(c *Config) *string { return &c.BlobDir })
	add(opt("attachments-dir", "", "where attachment files are kept (default <data-dir>/blobs; a shared mount in a cluster)", false, s, g))
	s, g = str(func(c *Config) *string { return &c.AdminPassword })
	add(opt("admin-password", "", "password for the admin created on first start (default: generated and printed)", true, s, g))
	s, g = integer(func(c *Config) *int { return &c.TicketHookAttempts })
	add(opt("ticket-webhook-attempts", "8", "attempts at a ticket webhook delivery before it is dead and admins are alerted", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.TicketHookBackoff })
	add(opt("ticket-webhook-backoff", "2s", "wait before the first retry of a ticket webhook delivery; doubles each time, up to 10m (a longer Retry-After wins)", false, s, g))
	s, g = boolean(func(c *Config) *bool { return &c.TicketHookAllowLinkLocal })
	add(opt("ticket-webhook-allow-link-local", "false", "let ticket webhooks call link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, 100.100.100.200)", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.TicketHookRetention })
	add(opt("ticket-webhook-retention", "720h", "how long delivered and dead ticket webhook deliveries stay in the delivery log (0 keeps them)", false, s, g))
	s, g = dur(func(c *Config) *time.Duration { return &c.TicketAutoClose })
	add(opt("ticket-auto-close", "72h", "how long a resolved ticket waits for its requester (a rating, 没解决) before it is closed (0: until someone closes it)", false, s, g))
	return o
}

// Defaults returns the config with every default applied.
func Defaults() Config {
	var c Config
	for _, o := range Options() {
		if err := o.set(&c, o.Default); err != nil && o.Default != "" {
			panic("config: bad default for " + o.Name + ": " + err.Error())
		}
	}
	return c
}

// Bind registers every option on fs and returns a loader that applies YAML
// (from --config), environment and flags, then validates.
func Bind(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := map[string]*string{}
	for _, o := range Options() {
		vals[o.Name] = fs.String(o.Name, o.Default, o.Usage+" ["+o.Env()+"]")
	}
	file := fs.String("config", getenv("SWITCHBOARD_CONFIG"), "YAML config file [SWITCHBOARD_CONFIG]")
	return func() (Config, error) {
		c := Defaults()
		if *file != "" {
			if err := applyYAML(&c, *file); err != nil {
				return c, err
			}
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, o := range Options() {
			v, from := "", ""
			if set[o.Name] {
				v, from = *vals[o.Name], "--"+o.Name
			} else if e := getenv(o.Env()); e != "" {
				v, from = e, o.Env()
			} else if e := getenv(o.Env() + "_FILE"); e != "" {
				b, err := os.ReadFile(e)
				if err != nil {
					return c, fmt.Errorf("%s_FILE: %w", o.Env(), err)
				}
				v, from = strings.TrimSpace(string(b)), o.Env()+"_FILE"
			} else {
				continue
			}
			if err := o.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", from, err)
			}
		}
		return c, c.Validate()
	}
}

func applyYAML(c *Config, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]Option{}
	for _, o := range Options() {
		known[o.Name] = o
	}
	for k, v := range m {
		o, ok := known[k]
		if !ok {
			return fmt.Errorf("config file %s: unknown option %q", path, k)
		}
		if err := o.set(c, fmt.Sprint(v)); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, k, err)
		}
	}
	return nil
}

// Validate checks values that depend on each other or on their format.
func (c *Config) Validate() error {
	var errs []error
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("database-url: want postgres://…"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("public-url: want an absolute URL, got %q", c.PublicURL))
		}
	}
	if c.LogLevel != "debug" && c.LogLevel != "info" && c.LogLevel != "warn" && c.LogLevel != "error" {
		errs = append(errs, fmt.Errorf("log-level: want debug, info, warn or error, got %q", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format: want text or json, got %q", c.LogFormat))
	}
	if c.BatchMax < 1 || c.BatchMax > 10000 {
		errs = append(errs, fmt.Errorf("batch-max: want 1..10000, got %d", c.BatchMax))
	}
	return errors.Join(errs...)
}

// Dump writes the effective config as YAML-style lines, secrets masked.
func Dump(w io.Writer, c Config) {
	for _, o := range Options() {
		v := o.get(&c)
		if o.Secret && v != "" {
			v = "********"
		}
		fmt.Fprintf(w, "%s: %q\n", o.Name, v)
	}
}
