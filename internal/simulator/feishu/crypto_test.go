package feishu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// The Feishu docs' decryption samples (Python, Java, PHP, Go…) all use
// Encrypt Key "test key" and this ciphertext of "hello world".
const (
	docKey    = "test key"
	docCipher = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
	docPlain  = "hello world"
)

func TestEncryptReproducesTheDocumentedVector(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString(docCipher)
	got, err := encryptWithIV(docKey, raw[:aes.BlockSize], []byte(docPlain))
	if err != nil || got != docCipher {
		t.Fatalf("encrypt(%q) = %q, %v; want the documented %q", docPlain, got, err, docCipher)
	}
}

func TestEncryptRoundTripsWithRandomIV(t *testing.T) {
	plain := []byte(`{"schema":"2.0","header":{"event_id":"e1"},"event":{"text":"设备报警"}}`)
	a, _ := Encrypt("k", plain)
	b, _ := Encrypt("k", plain)
	if a == b {
		t.Fatal("two encryptions share an IV")
	}
	raw, _ := base64.StdEncoding.DecodeString(a)
	key := sha256.Sum256([]byte("k"))
	block, _ := aes.NewCipher(key[:])
	out := make([]byte, len(raw)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, raw[:aes.BlockSize]).CryptBlocks(out, raw[aes.BlockSize:])
	pad := int(out[len(out)-1])
	if string(out[:len(out)-pad]) != string(plain) {
		t.Fatalf("decrypted %q", out)
	}
}

// Expected values computed independently: printf '%s' … | sha256sum.
func TestSignIsSHA256OfTimestampNonceKeyBody(t *testing.T) {
	cases := []struct{ ts, nonce, key, body, want string }{
		{"1599360473", "nonce-1", "test key", "body", "4256e8182ef4b458ea6e1555e8f1888fa0d57b5927c11ea42dee2f6f9931db51"},
		{"1599360473", "nonce-1", "test key", `{"encrypt":"` + docCipher + `"}`, "47b5df66c6126717dc5417458362dbef0a47b1ad7d8e8b8c51530a24388a6455"},
	}
	for _, c := range cases {
		if got := Sign(c.ts, c.nonce, c.key, []byte(c.body)); got != c.want {
			t.Errorf("Sign(%q) = %s, want %s", c.body, got, c.want)
		}
	}
}
