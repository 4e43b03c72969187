package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// BenchmarkAcceptInbox measures the intake commit (inbox rows + messages,
// one transaction, synchronous=FULL) per message, at the batch size the
// group commit sees under load.
func BenchmarkAcceptInbox(b *testing.B) {
	for _, batch := range []int{64, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), keys)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			unit, _ := db.CreateOrgUnit(ctx, model.OrgUnit{Name: "root", Kind: "company"})
			ch, _ := db.CreateChannel(ctx, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: unit.ID, Config: []byte(`{}`), Enabled: true})
			target := &store.Target{OrgUnitID: unit.ID, Kind: "webhook"}
			now := time.Now()
			n := 0
			b.ResetTimer()
			for b.Loop() {
				entries := make([]store.InboxEntry, batch)
				for i := range entries {
					n++
					c := n % 100
					entries[i] = store.InboxEntry{Target: target, Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: fmt.Sprint("m", n),
						ConvID: fmt.Sprint("conv-", c), ConvTitle: fmt.Sprint("Load ", c), SenderID: fmt.Sprint("user-", c), SenderName: fmt.Sprint("User ", c),
						Kind: model.KindText, Text: fmt.Sprintf("load test message %d: the printer on floor %d is out of paper again", n, n%9), SentAt: now, ReceivedAt: now}}
				}
				if _, _, err := db.AcceptInbox(ctx, entries); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/msg")
		})
	}
}
