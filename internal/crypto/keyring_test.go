package crypto

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpenAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	old := k1.Seal([]byte("客户手机号 13800000000"))
	if bytes.Contains(old, []byte("13800000000")) {
		t.Fatal("sealed value contains the plaintext")
	}
	if id, err := Rotate(path); err != nil || id != 2 {
		t.Fatalf("rotate: %d %v", id, err)
	}
	k2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(old); err != nil || string(got) != "客户手机号 13800000000" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	if id, _ := KeyID(k2.Seal([]byte("x"))); id != 2 {
		t.Errorf("new values sealed with key %d, want 2", id)
	}
}

func TestTamperedValueIsRefused(t *testing.T) {
	k, _ := NewKeyring(map[uint32][]byte{1: bytes.Repeat([]byte{7}, 32)})
	s := k.Seal([]byte("secret"))
	for i := range s {
		c := bytes.Clone(s)
		c[i] ^= 1
		if _, err := k.Open(c); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	other, _ := NewKeyring(map[uint32][]byte{9: bytes.Repeat([]byte{1}, 32)})
	if _, err := other.Open(s); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("foreign key: err = %v", err)
	}
}
