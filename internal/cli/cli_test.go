package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/config"
)

func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return out.String(), errb.String(), code
}

func TestAdminCommandsWorkOnTheDataDir(t *testing.T) {
	auth.Iterations = 1000
	dir := t.TempDir()
	env := map[string]string{"SWITCHBOARD_DATA_DIR": dir}
	steps := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"migrate"}, "migrations applied", 0},
		{[]string{"admin", "orgunit-create", "--parent", "1", "--name", "售后部"}, "created org unit 2 售后部", 0},
		{[]string{"admin", "orgunit-create", "--parent", "99", "--name", "x"}, "", 1},
		{[]string{"admin", "user-create", "--login", "li", "--password", "long-enough", "--role", "agent", "--org-unit", "2"}, "created user 1 li (agent on org unit 2)", 0},
		{[]string{"admin", "user-create", "--login", "li", "--password", "long-enough"}, "", 1}, // login taken
		{[]string{"admin", "token-create", "--login", "li", "--name", "ci"}, "sbt_", 0},
		{[]string{"admin", "password", "--login", "li", "--password", "new-password-1"}, "reset to: new-password-1", 0},
		{[]string{"admin", "channel-create", "--kind", "webhook", "--name", "ERP", "--org-unit", "2"}, "secret (shown once): whsec_", 0},
		{[]string{"admin", "user-create", "--login", "li", "--password", "short"}, "", 1},
		{[]string{"admin", "user-create", "--login", "li", "--password", "long-enough", "--role", "wizard"}, "", 1},
		{[]string{"admin", "token-create", "--login", "nobody"}, "", 1},
		{[]string{"admin", "channel-create", "--kind", "carrier-pigeon", "--name", "x"}, "", 1},
		{[]string{"keys", "rotate"}, "key 2 added", 0},
		{[]string{"keys"}, "", 2},
		{[]string{"version"}, "switchboard", 0},
		{[]string{"nonsense"}, "", 2},
	}
	for _, s := range steps {
		out, errOut, code := run(t, env, s.args...)
		if code != s.code || !strings.Contains(out, s.want) {
			t.Errorf("%v: exit %d (want %d), out %q, err %q", s.args, code, s.code, out, errOut)
		}
	}
}

func TestKeyRotationKeepsOldDataReadable(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SWITCHBOARD_DATA_DIR": dir}
	if _, errOut, code := run(t, env, "admin", "channel-create", "--kind", "webhook", "--name", "ERP", "--url", "https://erp.example/hook"); code != 0 {
		t.Fatalf("channel-create: %s", errOut)
	}
	if out, _, code := run(t, env, "keys", "rotate"); code != 0 || !strings.Contains(out, "key 2") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	cfg := config.Defaults()
	cfg.DataDir = dir
	st, keys, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ch, err := st.GetChannel(context.Background(), 1)
	if err != nil || !strings.Contains(string(ch.Config), "https://erp.example/hook") {
		t.Fatalf("channel sealed before the rotation: %v %s", err, ch.Config)
	}
	if keys.Current() != 2 {
		t.Errorf("new data sealed with key %d, want 2", keys.Current())
	}
}

func TestConfigDumpMasksSecrets(t *testing.T) {
	out, _, code := run(t, map[string]string{"SWITCHBOARD_DATABASE_URL": "postgres://u:hunter2@db/sb"}, "serve", "--config-dump", "--addr", "0.0.0.0:9999")
	if code != 0 || strings.Contains(out, "hunter2") || !strings.Contains(out, `addr: "0.0.0.0:9999"`) {
		t.Errorf("exit %d, dump:\n%s", code, out)
	}
}
