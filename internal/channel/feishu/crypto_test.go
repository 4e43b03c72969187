package feishu

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	"switchboard/internal/errcode"
	simfeishu "switchboard/internal/simulator/feishu"
)

// The Feishu docs' decryption samples all use Encrypt Key "test key" and
// this ciphertext of "hello world".
const (
	docKey    = "test key"
	docCipher = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
)

func TestDecryptMatchesTheDocumentedVector(t *testing.T) {
	got, err := decrypt(docKey, docCipher)
	if err != nil || string(got) != "hello world" {
		t.Fatalf("decrypt = %q, %v", got, err)
	}
}

func TestDecryptRefusesWhatIsNotAValidCiphertext(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString(docCipher)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-1] ^= 0x55 // garbles the padding block
	cases := []struct{ name, key, enc string }{
		{"wrong key", "other key", docCipher},
		{"not base64", docKey, "!!!not base64!!!"},
		{"IV only", docKey, base64.StdEncoding.EncodeToString(raw[:16])},
		{"not whole blocks", docKey, base64.StdEncoding.EncodeToString(raw[:31])},
		{"garbled", docKey, base64.StdEncoding.EncodeToString(flipped)},
	}
	for _, c := range cases {
		if got, err := decrypt(c.key, c.enc); err == nil {
			t.Errorf("%s: decrypted to %q", c.name, got)
		}
	}
}

func TestDecryptOpensWhatTheSimulatorSeals(t *testing.T) {
	for _, plain := range []string{"", "x", "0123456789abcdef", `{"schema":"2.0","event":{"text":"设备报警，请尽快处理"}}`} {
		enc, err := simfeishu.Encrypt("k-1", []byte(plain))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decrypt("k-1", enc); err != nil || string(got) != plain {
			t.Errorf("round trip of %q: %q, %v", plain, got, err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"encrypt":"` + docCipher + `"}`)
	headers := func(ts time.Time, key string, body []byte) http.Header {
		s := strconv.FormatInt(ts.Unix(), 10)
		return http.Header{HeaderTimestamp: {s}, HeaderNonce: {"n-1"}, HeaderSignature: {simfeishu.Sign(s, "n-1", key, body)}}
	}
	cases := []struct {
		name string
		h    http.Header
		want *errcode.Error
	}{
		{"good", headers(now, "k", body), nil},
		{"six hours old (a re-push)", headers(now.Add(-6*time.Hour), "k", body), nil},
		{"other key", headers(now, "other", body), errcode.BadSignature},
		{"other body", headers(now, "k", []byte(`{"encrypt":"x"}`)), errcode.BadSignature},
		{"two days old", headers(now.Add(-48*time.Hour), "k", body), errcode.StaleTimestamp},
		{"from the future", headers(now.Add(time.Hour), "k", body), errcode.StaleTimestamp},
		{"no timestamp", http.Header{HeaderSignature: {"00"}}, errcode.StaleTimestamp},
	}
	for _, c := range cases {
		err := verifySignature(c.h, "k", body, now, 5*time.Minute)
		if (c.want == nil) != (err == nil) || (c.want != nil && errcode.From(err).Code != c.want.Code) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
