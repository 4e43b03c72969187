package cli

import (
	"context"
	"strings"
	"time"

	simdingtalk "switchboard/internal/simulator/dingtalk"
)

// sendStream is the --send value that pushes over DingTalk Stream mode.
const sendStream = "stream"

// streamWait is how long a pushed message may wait for Switchboard to be
// connected and to ack it.
const streamWait = 30 * time.Second

// streamPoster pushes each message over the DingTalk simulator's Stream
// gateway, to the (or a random) connected Switchboard node, and reports
// the ack: its code, the simulator's verdict and the ack's data.
func streamPoster(o simOpts, dt *simdingtalk.Server) postFunc {
	cb := &simdingtalk.Callbacks{RobotCode: o.appKey, Server: dt}
	return func(ctx context.Context, text string) (int, string, error) {
		id := dt.StreamBotMessage(cb.Message(rehearsalMessage(text)))
		deadline := time.Now().Add(streamWait)
		for {
			f, _ := dt.StreamFrame(id)
			switch f.Outcome {
			case simdingtalk.OutcomeAcked, simdingtalk.OutcomeFailed, simdingtalk.OutcomeLost:
				return f.AckCode, strings.TrimSpace(f.Outcome + " " + f.AckData), nil
			}
			if time.Now().After(deadline) {
				return 0, "no ack within " + streamWait.String() + ` — is a channel with "mode":"stream" pointed at this simulator?`, nil
			}
			select {
			case <-ctx.Done():
				return 0, "", ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}
