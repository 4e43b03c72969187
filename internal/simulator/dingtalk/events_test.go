package dingtalk

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The example of DingTalk's callback-crypto documentation (the same values
// appear in the official DingTalkEncryptor samples): it must open, and its
// signature must be reproduced.
const (
	docToken     = "123456"
	docAESKey    = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij"
	docTimestamp = "1445827045067"
	docNonce     = "nEXhMP4r"
	docSignature = "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0"
	docEncrypt   = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ=="
)

func TestDocumentedCryptoExample(t *testing.T) {
	if got := Signature(docToken, docTimestamp, docNonce, docEncrypt); got != docSignature {
		t.Errorf("signature %s, want %s", got, docSignature)
	}
	plain, rid, err := Decrypt(docAESKey, docEncrypt)
	if err != nil || rid != "suite4xxxxxxxxxxxxxxx" || !strings.Contains(string(plain), `"EventType":"check_create_suite_url"`) {
		t.Fatalf("decrypt: %q %q %v", plain, rid, err)
	}
	enc, err := Encrypt(docAESKey, "dingkey", []byte("success"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, rid, err := Decrypt(docAESKey, enc); string(plain) != "success" || rid != "dingkey" || err != nil {
		t.Errorf("round trip: %q %q %v", plain, rid, err)
	}
	if _, _, err := Decrypt(docAESKey, "bm90IGJsb2Nrcw=="); err == nil { // "not blocks"
		t.Error("a ciphertext of no whole AES block opened")
	}
	if _, err := Encrypt("short", "x", nil); err == nil {
		t.Error("a short aes_key was accepted")
	}
}

// eventApp is a minimal event endpoint written from the reference.
func eventApp(token, aesKey, appKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var body struct{ Encrypt string }
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		if Signature(token, q.Get("timestamp"), q.Get("nonce"), body.Encrypt) != q.Get("signature") {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		enc, _ := Encrypt(aesKey, appKey, []byte("success"))
		json.NewEncoder(w).Encode(eventAnswer{MsgSignature: Signature(token, "1", "n", enc), TimeStamp: "1", Nonce: "n", Encrypt: enc})
	}
}

func TestEventsCheckTheAppsEncryptedAnswer(t *testing.T) {
	srv := httptest.NewServer(eventApp(docToken, docAESKey, "dingkey"))
	defer srv.Close()
	ev := &Events{URL: srv.URL, Token: docToken, AESKey: docAESKey, AppKey: "dingkey"}
	if _, err := ev.CheckURL(context.Background()); err != nil {
		t.Errorf("check_url: %v", err)
	}
	if _, err := ev.Post(context.Background(), "user_add_org", map[string]any{"UserId": []string{"zhang3"}}); err != nil {
		t.Errorf("event: %v", err)
	}
	wrongApp := *ev
	wrongApp.AppKey = "dingother"
	if _, err := wrongApp.CheckURL(context.Background()); err == nil {
		t.Error("an answer sealed for another app passed")
	}
	forged := *ev
	forged.Token = "guess"
	if a, _ := forged.CheckURL(context.Background()); a.Status != http.StatusUnauthorized {
		t.Errorf("forged signature: %+v", a)
	}
}
