package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"switchboard/internal/loadgen"
	simdingtalk "switchboard/internal/simulator/dingtalk"
	simfeishu "switchboard/internal/simulator/feishu"
)

// Per-platform callback throughput target (issue #5): signature checks and
// decryption on, through the whole durable intake.
const targetPlatformPerSec = 5000

// benchAESKey is the DingTalk channel's aes_key in the benchmark (43
// characters, as the developer console issues them).
const benchAESKey = "SwitchboardBenchAESKey0123456789abcdefghijk"

// platformLoad makes base post kind's own callbacks instead of signed
// webhooks: it starts the platform's simulator on loopback (the channel's
// API base URL, for anything the adapter looks up), creates a channel of
// that kind wired to it, and builds every message as the simulator's
// callback generator does — Feishu encrypted with the Encrypt Key and
// signed, DingTalk robot callbacks with timestamp and sign and the body
// sealed with the aes_key. The returned
// func stops the simulator.
func platformLoad(ctx context.Context, api *loadgen.API, kind string, base *loadgen.Config) (func(), error) {
	o, _ := parseSimulate(Env{Stderr: io.Discard}, nil) // the simulator's default credentials
	var sim http.Handler
	if kind == "feishu" {
		sim = simfeishu.NewServer(simfeishu.Config{AppID: o.appID, AppSecret: o.appSecret})
	} else {
		sim = simdingtalk.NewServer(simdingtalk.Config{AppKey: o.appKey, AppSecret: o.appSecret})
	}
	simURL, stop, err := serveSim("127.0.0.1:0", sim)
	if err != nil {
		return nil, err
	}
	var ch struct {
		ID int64 `json:"id"`
	}
	settings := channelSettings(o, kind, simURL)
	if kind == "dingtalk" { // robot body encryption on, as decryption is part of what is measured
		settings["token"], settings["aes_key"] = "bench-token", benchAESKey
	}
	req := map[string]any{"kind": kind, "name": fmt.Sprintf("bench %s %s", kind, time.Now().Format(time.RFC3339)),
		"org_unit_id": 1, "settings": settings}
	if err := api.Do(ctx, http.MethodPost, "/api/v1/channels", req, &ch); err != nil {
		stop()
		return nil, err
	}
	base.Path = fmt.Sprintf("/hooks/%s/%d", kind, ch.ID)
	if kind == "feishu" {
		base.Build = feishuBuilder(ctx, o, base.Convs)
	} else {
		base.Build = dingtalkBuilder(ctx, o, base.Convs)
	}
	return stop, nil
}

func feishuBuilder(ctx context.Context, o simOpts, convs int) func(string, int) (loadgen.Request, error) {
	cb := &simfeishu.Callbacks{URL: "http://switchboard/", AppID: o.appID, VerificationToken: o.verificationToken, EncryptKey: o.encKey}
	return func(id string, i int) (loadgen.Request, error) {
		conv := i % convs
		ev := cb.MessageReceived(simfeishu.Message{MessageID: id, ChatID: fmt.Sprintf("oc_load_%d", conv), ChatType: "group",
			Sender: simfeishu.UserID{OpenID: fmt.Sprintf("ou_load_%d", conv)}, Text: loadText(i)})
		r, err := cb.Request(ctx, ev, true)
		if err != nil {
			return loadgen.Request{}, err
		}
		return asRequest(r)
	}
}

func dingtalkBuilder(ctx context.Context, o simOpts, convs int) func(string, int) (loadgen.Request, error) {
	cb := &simdingtalk.Callbacks{URL: "http://switchboard/", AppSecret: o.appSecret, RobotCode: o.appKey, AESKey: benchAESKey}
	return func(id string, i int) (loadgen.Request, error) {
		conv := i % convs
		m := cb.Message(simdingtalk.Message{MsgID: id, ConversationType: "2", ConversationID: fmt.Sprintf("cidload%d==", conv),
			Title: fmt.Sprintf("压测群 %d", conv), SenderStaffID: fmt.Sprintf("load%d", conv), SenderNick: fmt.Sprintf("压测用户 %d", conv),
			Text: loadText(i)})
		r, err := cb.Request(ctx, m, time.Now())
		if err != nil {
			return loadgen.Request{}, err
		}
		return asRequest(r)
	}
}

func loadText(i int) string {
	return fmt.Sprintf("压测消息 %d：%d 号线设备报警，请尽快处理 (load test)", i, i%9+1)
}

// asRequest takes the body and headers of a request the simulator built.
func asRequest(r *http.Request) (loadgen.Request, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return loadgen.Request{}, err
	}
	out := loadgen.Request{Body: body}
	for k, vs := range r.Header {
		for _, v := range vs {
			out.Header = append(out.Header, [2]string{k, v})
		}
	}
	return out, nil
}
