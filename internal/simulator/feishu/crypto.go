package feishu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Encrypt seals an event body the way Feishu does when the app has an
// Encrypt Key: base64(IV ‖ AES-256-CBC(key = SHA-256(encryptKey), IV,
// PKCS#7(plaintext))) with a random 16-byte IV (reference §4.2).
func Encrypt(encryptKey string, plaintext []byte) (string, error) {
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	return encryptWithIV(encryptKey, iv, plaintext)
}

// encryptWithIV is Encrypt with a chosen IV, so the documented test vector
// can be reproduced byte for byte.
func encryptWithIV(encryptKey string, iv, plaintext []byte) (string, error) {
	if len(iv) != aes.BlockSize {
		return "", fmt.Errorf("iv must be %d bytes", aes.BlockSize)
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return "", err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, aes.BlockSize+len(plaintext)+pad)
	copy(buf, iv)
	copy(buf[aes.BlockSize:], plaintext)
	for i := len(buf) - pad; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf[aes.BlockSize:], buf[aes.BlockSize:])
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Sign is the X-Lark-Signature of a callback: hex(SHA-256(timestamp + nonce
// + encryptKey + raw body)). A plain hash, not an HMAC.
func Sign(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(nonce))
	h.Write([]byte(encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
