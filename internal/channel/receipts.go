package channel

import (
	"context"
	"time"
)

// ReadReceipt is a platform's report that a user read messages the app sent.
type ReadReceipt struct {
	ChannelID   int64
	Reader      string   // the reader's id on the platform (Feishu open_id)
	ExternalIDs []string // the platform message ids read
	At          time.Time
}

// ReadSink is implemented by sinks that record read receipts; an adapter
// whose sink lacks it acknowledges read events and drops them.
type ReadSink interface {
	Read(ctx context.Context, r ReadReceipt) error
}
