package app

import (
	"context"

	"switchboard/internal/channel"
	"switchboard/internal/intake"
	"switchboard/internal/store"
)

// receiptSink is the channels' sink: the intake writer for messages, the
// store for read receipts (channel.ReadSink).
type receiptSink struct {
	*intake.Writer
	st store.Outbox
}

// Read records a platform's read receipt against the channel's deliveries.
func (s receiptSink) Read(ctx context.Context, r channel.ReadReceipt) error {
	_, err := s.st.RecordReads(ctx, r.ChannelID, r.ExternalIDs, r.Reader, r.At)
	return err
}
