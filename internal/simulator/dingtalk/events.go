package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Events posts event-subscription callbacks (HTTP mode) the way DingTalk
// does: POST url?signature=&timestamp=&nonce= with {"encrypt": …}, the
// first one an EventType check_url when an admin saves the URL. The app
// must answer {msg_signature, timeStamp, nonce, encrypt} sealing
// "success" within 1500 ms.
type Events struct {
	URL    string // the channel's callback URL
	Token  string
	AESKey string
	AppKey string // the receiveID events are sealed for
	// WeComNames sends msg_signature and timeStamp instead of signature
	// and timestamp; the reference documents both spellings.
	WeComNames bool
	Client     *http.Client
	Now        func() time.Time
}

// eventAnswer is the encrypted answer an event callback expects.
type eventAnswer struct {
	MsgSignature string `json:"msg_signature"`
	TimeStamp    string `json:"timeStamp"`
	Nonce        string `json:"nonce"`
	Encrypt      string `json:"encrypt"`
}

func (e *Events) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Request builds the signed, encrypted request for payload; tests tamper
// with the result to check refusals.
func (e *Events) Request(ctx context.Context, payload any) (*http.Request, error) {
	plain, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	enc, err := Encrypt(e.AESKey, e.AppKey, plain)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	ts, nonce := strconv.FormatInt(e.now().UnixMilli(), 10), randomHex(8)
	sigName, tsName := "signature", "timestamp"
	if e.WeComNames {
		sigName, tsName = "msg_signature", "timeStamp"
	}
	q := url.Values{sigName: {Signature(e.Token, ts, nonce, enc)}, tsName: {ts}, "nonce": {nonce}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// CheckURL runs the check_url handshake and verifies the app's answer.
func (e *Events) CheckURL(ctx context.Context) (Answer, error) {
	return e.Post(ctx, "check_url", nil)
}

// Post delivers one event and verifies the app answered "success".
func (e *Events) Post(ctx context.Context, eventType string, fields map[string]any) (Answer, error) {
	payload := map[string]any{"EventType": eventType, "TimeStamp": e.now().UnixMilli()}
	for k, v := range fields {
		payload[k] = v
	}
	req, err := e.Request(ctx, payload)
	if err != nil {
		return Answer{}, err
	}
	a, err := e.Do(req)
	if err != nil || a.Status != http.StatusOK {
		return a, err
	}
	return a, e.VerifyAnswer(a)
}

// VerifyAnswer checks an answer's signature and that it seals "success"
// for this app, as DingTalk does before it counts the event delivered.
func (e *Events) VerifyAnswer(a Answer) error {
	var ans eventAnswer
	if err := json.Unmarshal([]byte(a.Body), &ans); err != nil {
		return fmt.Errorf("answer is not JSON: %q", a.Body)
	}
	if ans.MsgSignature != Signature(e.Token, ans.TimeStamp, ans.Nonce, ans.Encrypt) {
		return fmt.Errorf("answer msg_signature does not match")
	}
	plain, rid, err := Decrypt(e.AESKey, ans.Encrypt)
	if err != nil {
		return fmt.Errorf("answer encrypt: %v", err)
	}
	if string(plain) != "success" || rid != e.AppKey {
		return fmt.Errorf("answer seals %q for %q, want \"success\" for %q", plain, rid, e.AppKey)
	}
	return nil
}

// Do sends a (possibly tampered) event request.
func (e *Events) Do(req *http.Request) (Answer, error) {
	client := e.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return Answer{Status: resp.StatusCode, Body: string(b)}, nil
}
