package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	l := Bind(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return l()
}

func TestPrecedenceFlagOverEnvOverFileOverDefault(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sb.yaml")
	os.WriteFile(file, []byte("addr: 0.0.0.0:9000\ndata-dir: /from/file\nsignature-skew: 60s\n"), 0o600)
	secretFile := filepath.Join(dir, "db")
	os.WriteFile(secretFile, []byte("postgres://u:pw@db/sb\n"), 0o600)
	c, err := load(t, []string{"--config", file, "--addr", "127.0.0.1:7000"},
		map[string]string{"SWITCHBOARD_DATA_DIR": "/from/env", "SWITCHBOARD_DATABASE_URL_FILE": secretFile})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DataDir != "/from/env" || c.SignatureSkew != time.Minute ||
		c.DatabaseURL != "postgres://u:pw@db/sb" || c.MaxBodyBytes != 1<<20 {
		t.Errorf("effective config = %+v", c)
	}
}

func TestInvalidValuesAreRefusedWithTheOptionName(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--signature-skew", "soon"}, nil, "--signature-skew"},
		{nil, map[string]string{"SWITCHBOARD_MAX_BODY_BYTES": "-1"}, "SWITCHBOARD_MAX_BODY_BYTES"},
		{[]string{"--database-url", "mysql://x"}, nil, "database-url"},
		{[]string{"--log-level", "loud"}, nil, "log-level"},
		{[]string{"--public-url", "not a url"}, nil, "public-url"},
	}
	for _, c := range cases {
		_, err := load(t, c.args, c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: err = %v, want mention of %s", c.args, c.env, err, c.want)
		}
	}
}

func TestUnknownYAMLKeyIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sb.yaml")
	os.WriteFile(file, []byte("adress: typo\n"), 0o600)
	if _, err := load(t, []string{"--config", file}, nil); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("err = %v", err)
	}
}

func TestDumpMasksSecrets(t *testing.T) {
	c := Defaults()
	c.DatabaseURL = "postgres://u:hunter2@db/sb"
	var b bytes.Buffer
	Dump(&b, c)
	out := b.String()
	if strings.Contains(out, "hunter2") || !strings.Contains(out, `database-url: "********"`) || !strings.Contains(out, `addr: "127.0.0.1:8080"`) {
		t.Errorf("dump:\n%s", out)
	}
}
