// Package crypto seals data at rest with AES-256-GCM under rotatable keys.
// Every sealed value carries the id of the key that sealed it, so old rows stay
// readable after a rotation and can be re-sealed at leisure.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// ErrUnknownKey means a value was sealed with a key this keyring does not hold.
var ErrUnknownKey = errors.New("crypto: unknown key id")

// ErrCorrupt means a sealed value failed authentication or is malformed.
var ErrCorrupt = errors.New("crypto: sealed value corrupt")

const formatV1 = 1

// Keyring holds the keys; the one with the highest id seals new data.
type Keyring struct {
	mu      sync.RWMutex
	aeads   map[uint32]cipher.AEAD
	current uint32
}

type keyFile struct {
	Keys map[string]string `json:"keys"` // id → base64 32-byte key
}

// NewKeyring builds a keyring from raw 32-byte keys by id.
func NewKeyring(keys map[uint32][]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[uint32]cipher.AEAD{}}
	for id, raw := range keys {
		if err := k.add(id, raw); err != nil {
			return nil, err
		}
	}
	if len(k.aeads) == 0 {
		return nil, errors.New("crypto: keyring is empty")
	}
	return k, nil
}

func (k *Keyring) add(id uint32, raw []byte) error {
	if len(raw) != 32 {
		return fmt.Errorf("crypto: key %d: want 32 bytes, got %d", id, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	k.aeads[id] = aead
	if id > k.current {
		k.current = id
	}
	return nil
}

// LoadOrCreate reads the key file at path, creating it with one fresh key
// (mode 0600) when it does not exist.
func LoadOrCreate(path string) (*Keyring, error) {
	keys, err := readKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		keys = map[uint32][]byte{1: randomKey()}
		err = writeKeyFile(path, keys)
	}
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys)
}

// Rotate adds a fresh key to the file at path and makes it current.
func Rotate(path string) (uint32, error) {
	keys, err := readKeyFile(path)
	if err != nil {
		return 0, err
	}
	var next uint32
	for id := range keys {
		next = max(next, id)
	}
	next++
	keys[next] = randomKey()
	return next, writeKeyFile(path, keys)
}

func randomKey() []byte {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic("crypto: no randomness: " + err.Error())
	}
	return raw
}

func readKeyFile(path string) (map[uint32][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("crypto: key file %s: %w", path, err)
	}
	keys := map[uint32][]byte{}
	for sid, enc := range kf.Keys {
		var id uint32
		if _, err := fmt.Sscan(sid, &id); err != nil {
			return nil, fmt.Errorf("crypto: key file %s: bad id %q", path, sid)
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("crypto: key file %s: key %s: %w", path, sid, err)
		}
		keys[id] = raw
	}
	return keys, nil
}

func writeKeyFile(path string, keys map[uint32][]byte) error {
	kf := keyFile{Keys: map[string]string{}}
	ids := make([]uint32, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		kf.Keys[fmt.Sprint(id)] = base64.StdEncoding.EncodeToString(keys[id])
	}
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Current is the id of the key that seals new data.
func (k *Keyring) Current() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// Seal encrypts plain: version byte, key id, nonce, ciphertext+tag.
func (k *Keyring) Seal(plain []byte) []byte {
	k.mu.RLock()
	id, aead := k.current, k.aeads[k.current]
	k.mu.RUnlock()
	out := make([]byte, 5+aead.NonceSize(), 5+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:5], id)
	if _, err := rand.Read(out[5:]); err != nil {
		panic("crypto: no randomness: " + err.Error())
	}
	return aead.Seal(out, out[5:], plain, out[:5])
}

// Open decrypts a value made by Seal.
func (k *Keyring) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 5 || sealed[0] != formatV1 {
		return nil, ErrCorrupt
	}
	id := binary.BigEndian.Uint32(sealed[1:5])
	k.mu.RLock()
	aead, ok := k.aeads[id]
	k.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %d", ErrUnknownKey, id)
	}
	ns := aead.NonceSize()
	if len(sealed) < 5+ns+aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := aead.Open(nil, sealed[5:5+ns], sealed[5+ns:], sealed[:5])
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// KeyID returns the key id a sealed value was made with.
func KeyID(sealed []byte) (uint32, bool) {
	if len(sealed) < 5 || sealed[0] != formatV1 {
		return 0, false
	}
	return binary.BigEndian.Uint32(sealed[1:5]), true
}
