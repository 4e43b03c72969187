package feishu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/errcode"
)

// Header names of a signed callback.
const (
	HeaderTimestamp = "X-Lark-Request-Timestamp"
	HeaderNonce     = "X-Lark-Request-Nonce"
	HeaderSignature = "X-Lark-Signature"
)

// maxEventAge bounds how old a signed callback's timestamp may be. Feishu
// re-pushes an unacknowledged event for hours (up to ~7 h), and it is not
// documented whether a re-push is re-signed, so the usual ±5 min window
// would refuse legitimate retries. Replays inside the window are harmless:
// they dedupe on the message id.
const maxEventAge = 24 * time.Hour

// decrypt opens an "encrypt" field: base64(IV ‖ AES-256-CBC(key =
// SHA-256(encryptKey), PKCS#7)). Padding is checked in full, so a wrong key
// or a garbled ciphertext is refused rather than parsed.
func decrypt(encryptKey, encrypted string) ([]byte, error) {
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, errors.New("encrypt is not base64")
	}
	if len(buf) < 2*aes.BlockSize || len(buf)%aes.BlockSize != 0 {
		return nil, errors.New("encrypt is not an IV plus whole AES blocks")
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, _ := aes.NewCipher(key[:]) // a 32-byte key cannot fail
	plain := make([]byte, len(buf)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, buf[:aes.BlockSize]).CryptBlocks(plain, buf[aes.BlockSize:])
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errors.New("bad padding: wrong encrypt_key or garbled body")
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errors.New("bad padding: wrong encrypt_key or garbled body")
		}
	}
	return plain[:len(plain)-pad], nil
}

// signature is hex(SHA-256(timestamp + nonce + encryptKey + body)).
func signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(nonce))
	h.Write([]byte(encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// signed reports whether the request carries a signature at all.
func signed(h http.Header) bool { return h.Get(HeaderSignature) != "" }

// verifySignature checks X-Lark-Signature over the raw body, and that the
// timestamp is neither older than maxEventAge nor ahead by more than skew.
func verifySignature(h http.Header, encryptKey string, body []byte, now time.Time, skew time.Duration) error {
	tsHeader := h.Get(HeaderTimestamp)
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return errcode.StaleTimestamp.With("missing or non-numeric %s", HeaderTimestamp)
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > maxEventAge || age < -skew {
		return errcode.StaleTimestamp.With("%s is %s away from server time", HeaderTimestamp, age.Round(time.Second))
	}
	want := signature(tsHeader, h.Get(HeaderNonce), encryptKey, body)
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.Get(HeaderSignature))) != 1 {
		return errcode.BadSignature.With("%s does not match sha256(timestamp + nonce + encrypt_key + body)", HeaderSignature)
	}
	return nil
}

// tokenMatches compares a callback's verification token in constant time.
func tokenMatches(got, want string) bool {
	// No token configured (a long_connection channel) authenticates nothing.
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
