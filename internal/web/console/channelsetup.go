package console

import (
	"strings"

	"switchboard/internal/channel/dingtalk"
	"switchboard/internal/channel/feishu"
	"switchboard/internal/channel/webhook"
	"switchboard/internal/web/api"
)

// step is one instruction of a channel's setup: a message key and, when
// the platform console needs a value pasted, that value to copy.
type step struct{ Key, Value string }

// Scopes and events a Feishu app needs, as docs/channels/feishu.md lists them.
const (
	feishuScopes = "im:message, im:message:send_as_bot, im:message.p2p_msg:readonly, im:message.group_at_msg:readonly"
	feishuEvent  = "im.message.receive_v1"
	dingtalkDev  = "https://open-dev.dingtalk.com"
)

// setupSteps are the platform-console settings for one channel, in the
// order an admin does them, following docs/channels/{kind}.md.
func setupSteps(v api.ChannelView) []step {
	mode := v.Settings["mode"]
	switch v.Kind {
	case feishu.Kind:
		return feishuSteps(v, mode == "long_connection")
	case dingtalk.Kind:
		return dingtalkSteps(v, mode == "stream")
	case webhook.Kind:
		reply := step{Key: "setup.webhook.noreply"}
		if u := v.Settings["url"]; u != "" {
			reply = step{Key: "setup.webhook.reply", Value: u}
		}
		return []step{
			{Key: "setup.webhook.url", Value: v.CallbackURL},
			{Key: "setup.webhook.sign", Value: webhook.HeaderSignature + ": sha256=hex(HMAC-SHA256(secret, " + webhook.HeaderTimestamp + " + \".\" + body))"},
			reply,
		}
	}
	return nil
}

func feishuSteps(v api.ChannelView, long bool) []step {
	console := strings.TrimRight(v.Settings["base_url"], "/") + "/app"
	if v.Settings["base_url"] == "" {
		console = feishu.FeishuBaseURL + "/app"
	}
	steps := []step{
		{Key: "setup.feishu.app", Value: console},
		{Key: "setup.feishu.creds", Value: v.Settings["app_id"]},
		{Key: "setup.feishu.scopes", Value: feishuScopes},
		{Key: "setup.feishu.crypto"},
	}
	if long {
		steps = append(steps, step{Key: "setup.feishu.long"})
	} else {
		steps = append(steps, step{Key: "setup.feishu.push"}, step{Key: "setup.feishu.url", Value: v.CallbackURL})
	}
	return append(steps, step{Key: "setup.feishu.event", Value: feishuEvent},
		step{Key: "setup.feishu.publish"}, step{Key: "setup.feishu.group"})
}

func dingtalkSteps(v api.ChannelView, stream bool) []step {
	steps := []step{
		{Key: "setup.dingtalk.app", Value: dingtalkDev},
		{Key: "setup.dingtalk.creds", Value: v.Settings["app_key"]},
		{Key: "setup.dingtalk.robot"},
	}
	if stream {
		steps = append(steps, step{Key: "setup.dingtalk.stream"})
	} else {
		steps = append(steps, step{Key: "setup.dingtalk.http"}, step{Key: "setup.dingtalk.url", Value: v.CallbackURL})
	}
	steps = append(steps, step{Key: "setup.dingtalk.robot_code", Value: v.Settings["robot_code"]},
		step{Key: "setup.dingtalk.perm"})
	if !stream {
		steps = append(steps, step{Key: "setup.dingtalk.events", Value: v.CallbackURL})
	}
	return append(steps, step{Key: "setup.dingtalk.publish"}, step{Key: "setup.dingtalk.group"})
}
