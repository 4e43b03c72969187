// Package blob keeps attachment bytes under the data directory, sealed at rest
// and addressed by the SHA-256 of their plaintext (so a file sent twice is
// stored once).
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"switchboard/internal/crypto"
)

// ErrNotFound means no blob has that id.
var ErrNotFound = errors.New("blob not found")

// Store is a directory of sealed blobs.
type Store struct {
	Dir  string
	Keys *crypto.Keyring
}

func (s *Store) path(id string) (string, error) {
	if len(id) != 64 {
		return "", fmt.Errorf("blob id %q: %w", id, ErrNotFound)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", fmt.Errorf("blob id %q: %w", id, ErrNotFound)
	}
	return filepath.Join(s.Dir, id[:2], id), nil
}

// Put stores data durably (fsynced before it returns) and returns its id.
func (s *Store) Put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	p, _ := s.path(id)
	if _, err := os.Stat(p); err == nil {
		return id, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(s.Keys.Seal(data)); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return id, os.Rename(f.Name(), p)
}

// Get returns the plaintext of a blob.
func (s *Store) Get(id string) ([]byte, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	sealed, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return s.Keys.Open(sealed)
}
