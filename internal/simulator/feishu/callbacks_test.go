package feishu

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// receiver is a minimal app endpoint that opens callbacks by the reference's
// recipe, independent of the code that made them.
type receiver struct {
	key    string
	mu     sync.Mutex
	events []map[string]any
	signed []bool
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var outer struct {
		Encrypt string `json:"encrypt"`
	}
	json.Unmarshal(body, &outer)
	raw, _ := base64.StdEncoding.DecodeString(outer.Encrypt)
	key := sha256.Sum256([]byte(rv.key))
	block, _ := aes.NewCipher(key[:])
	plain := make([]byte, len(raw)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, raw[:aes.BlockSize]).CryptBlocks(plain, raw[aes.BlockSize:])
	plain = plain[:len(plain)-int(plain[len(plain)-1])]
	var ev map[string]any
	json.Unmarshal(plain, &ev)
	sig := r.Header.Get(HeaderSignature)
	rv.mu.Lock()
	rv.events = append(rv.events, ev)
	rv.signed = append(rv.signed, sig != "" && sig == Sign(r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderNonce), rv.key, body))
	rv.mu.Unlock()
	if ev["type"] == "url_verification" {
		json.NewEncoder(w).Encode(map[string]any{"challenge": ev["challenge"]})
	}
}

func TestCallbacksAreEncryptedSignedAndRetriedWithTheSameEventID(t *testing.T) {
	rv := &receiver{key: "enc-key"}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	cb := &Callbacks{URL: srv.URL, AppID: "cli_sim", VerificationToken: "vt", EncryptKey: "enc-key"}
	ctx := context.Background()
	if _, err := cb.Verify(ctx); err != nil {
		t.Fatalf("url_verification: %v", err)
	}
	ev := cb.MessageReceived(Message{ChatID: "oc_g", ChatType: "group", Text: "@_user_1 设备报警",
		Mentions: []Mention{{Key: "@_user_1", ID: UserID{OpenID: "ou_bot"}, Name: "客服机器人"}}})
	if _, err := cb.PostTimes(ctx, ev, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Post(ctx, cb.Repushed(ev)); err != nil {
		t.Fatal(err)
	}
	if len(rv.events) != 4 || rv.signed[0] || !rv.signed[1] || !rv.signed[2] || !rv.signed[3] {
		t.Fatalf("%d callbacks, signed %v (the challenge must not be signed, events must)", len(rv.events), rv.signed)
	}
	h := func(i int) map[string]any { return rv.events[i]["header"].(map[string]any) }
	if h(1)["event_id"] != h(2)["event_id"] || h(1)["event_id"] == h(3)["event_id"] || h(1)["token"] != "vt" {
		t.Errorf("event ids: %v %v %v", h(1)["event_id"], h(2)["event_id"], h(3)["event_id"])
	}
	msg := rv.events[1]["event"].(map[string]any)["message"].(map[string]any)
	if msg["chat_type"] != "group" || msg["content"] != Text("@_user_1 设备报警") || msg["message_type"] != "text" {
		t.Errorf("message = %v", msg)
	}
}
