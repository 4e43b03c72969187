package dingtalk

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// cryptoBlock is the PKCS#7 block size of the event-subscription scheme:
// 32, as in WeCom's, not AES's 16.
const cryptoBlock = 32

// eventKey decodes the 43-character aes_key of the developer console.
func eventKey(aesKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("aes_key must be 43 base64 characters (32 bytes)")
	}
	return key, nil
}

// Encrypt seals an event-subscription message as DingTalk does (reference
// §3.2, crypto as WeCom's): base64(AES-256-CBC(key, IV = key[:16],
// PKCS#7/32(random16 ‖ len32be(msg) ‖ msg ‖ receiveID))).
func Encrypt(aesKey, receiveID string, msg []byte) (string, error) {
	key, err := eventKey(aesKey)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	random := make([]byte, 16)
	rand.Read(random)
	buf.Write(random)
	binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(receiveID)
	pad := cryptoBlock - buf.Len()%cryptoBlock
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key) // 32 bytes: cannot fail
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt opens what Encrypt sealed, returning the message and the
// receiveID it was sealed for.
func Decrypt(aesKey, encrypted string) ([]byte, string, error) {
	key, err := eventKey(aesKey)
	if err != nil {
		return nil, "", err
	}
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, "", errors.New("encrypt is not base64 of whole AES blocks")
	}
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > cryptoBlock || pad > len(buf) || !bytes.Equal(buf[len(buf)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, "", errors.New("bad padding")
	}
	buf = buf[:len(buf)-pad]
	if len(buf) < 20 {
		return nil, "", errors.New("too short")
	}
	n := int(binary.BigEndian.Uint32(buf[16:20]))
	if n > len(buf)-20 {
		return nil, "", errors.New("bad length")
	}
	return buf[20 : 20+n], string(buf[20+n:]), nil
}

// Signature is an event callback's signature: hex(SHA-1 of token,
// timestamp, nonce and encrypt sorted and concatenated).
func Signature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}
