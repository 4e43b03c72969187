package config

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

func TestConfigurationDocIsCurrent(t *testing.T) {
	var b bytes.Buffer
	WriteReference(&b)
	const path = "../../docs/configuration.md"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("docs/configuration.md is out of date with the options table; run: go test ./internal/config -update (%v)", err)
	}
}
