package dingtalk

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/errcode"
)

// Header names of a robot callback.
const (
	HeaderTimestamp = "timestamp" // unix milliseconds
	HeaderSign      = "sign"
)

// signWindow is the robot callback's documented validity: |now − timestamp| ≤ 1 h.
const signWindow = time.Hour

// sign is base64(HmacSHA256(key = appSecret, msg = timestamp + "\n" + appSecret)).
func sign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'\n'})
	mac.Write([]byte(secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// verifyRobot checks a robot callback's timestamp and sign headers. They
// authenticate the timestamp only, not the body (reference §3.2), which
// is why the sessionWebhook a body names is also checked (see message).
func verifyRobot(h http.Header, secret string, now time.Time) error {
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSign)
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errcode.StaleTimestamp.With("missing or non-numeric %s header (unix milliseconds)", HeaderTimestamp)
	}
	if age := now.Sub(time.UnixMilli(ms)); age > signWindow || age < -signWindow {
		return errcode.StaleTimestamp.With("%s is %s away from server time; DingTalk allows 1h", HeaderTimestamp, age.Round(time.Second))
	}
	if sig == "" {
		return errcode.BadSignature.With("missing %s header", HeaderSign)
	}
	if subtle.ConstantTimeCompare([]byte(sign(ts, secret)), []byte(sig)) != 1 {
		return errcode.BadSignature.With("%s does not match base64(HmacSHA256(app_secret, timestamp+\"\\n\"+app_secret))", HeaderSign)
	}
	return nil
}

// eventBlock is the PKCS#7 block size of the event-subscription crypto:
// 32, as in WeCom's scheme, not AES's 16.
const eventBlock = 32

// validAESKey reports whether s is a console aes_key: 43 base64
// characters that decode, with "=", to 32 bytes.
func validAESKey(s string) bool {
	_, err := eventKey(s)
	return err == nil
}

func eventKey(aesKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("aes_key is not 43 base64 characters")
	}
	return key, nil
}

// eventSignature is hex(SHA-1(sorted(token, timestamp, nonce, encrypt) joined)).
func eventSignature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// decryptEvent opens an "encrypt" field: AES-256-CBC with IV = key[:16],
// PKCS#7/32, plaintext random16 ‖ len32be(msg) ‖ msg ‖ receiveID. Padding
// and length are checked in full, so a wrong key is refused, not parsed.
func decryptEvent(aesKey, encrypted string) (msg []byte, receiveID string, err error) {
	key, err := eventKey(aesKey)
	if err != nil {
		return nil, "", err
	}
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(buf) < 2*aes.BlockSize || len(buf)%aes.BlockSize != 0 {
		return nil, "", errors.New("encrypt is not base64 of whole AES blocks")
	}
	block, _ := aes.NewCipher(key) // 32 bytes: cannot fail
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > eventBlock || pad > len(buf)-20 || !bytes.Equal(buf[len(buf)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, "", errors.New("bad padding: wrong aes_key or garbled body")
	}
	buf = buf[:len(buf)-pad]
	n := binary.BigEndian.Uint32(buf[16:20])
	if int64(n) > int64(len(buf)-20) {
		return nil, "", errors.New("bad message length: wrong aes_key or garbled body")
	}
	return buf[20 : 20+n], string(buf[20+n:]), nil
}

// encryptEvent seals msg for receiveID, the inverse of decryptEvent.
func encryptEvent(aesKey, receiveID string, msg []byte) (string, error) {
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
	pad := eventBlock - buf.Len()%eventBlock
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}
