package dingtalk

import (
	"context"

	"switchboard/internal/channel"
)

// Test fetches a fresh access token with the configured app_key and
// app_secret. The cache is bypassed: a token cached before the secret was
// reset would prove nothing.
func (c *conn) Test(ctx context.Context) error {
	if _, _, err := c.fetchToken(ctx); err != nil {
		c.noteSendErr(err)
		return err
	}
	c.noteOK(false)
	return nil
}

var _ channel.Tester = (*conn)(nil)
