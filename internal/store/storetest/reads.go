package storetest

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// testReadReceipts: a platform's read receipt lands on the sent delivery
// with that platform message id on that channel, once per reader, named
// after the reader's identity; the outbound message's reads are listed by
// message too. Ids of other channels or of no delivery change nothing.
func testReadReceipts(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f", OrgUnitID: o.deptA})
	other := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "g", OrgUnitID: o.deptA})
	commit(t, s, ch, envelope(ch.ID, "in1", "oc_1", "ou_li", "help", base)) // makes identity ou_li
	reply := &store.NewMessage{OrgUnitID: ch.OrgUnitID, Kind: ch.Kind, Direction: model.Outbound,
		Envelope: model.Envelope{ChannelID: ch.ID, ExternalID: "out:r1", ConvID: "oc_1", SenderName: "Agent",
			Kind: model.KindText, Text: "on it", SentAt: base, ReceivedAt: base}}
	d, err := s.Enqueue(ctx, reply, delivery(ch.ID, "r1", time.Time{}))
	must(t, err)
	must(t, s.MarkSent(ctx, d.ID, "om_sent_1", base))
	at := base.Add(time.Minute)
	for _, c := range []struct {
		ch   int64
		ids  []string
		who  string
		want int
	}{
		{ch.ID, []string{"om_sent_1", "om_unknown"}, "ou_li", 1},
		{ch.ID, []string{"om_sent_1"}, "ou_li", 0}, // repeat
		{other.ID, []string{"om_sent_1"}, "ou_wang", 0},
		{ch.ID, []string{"om_sent_1"}, "ou_wang", 1},
	} {
		n, err := s.RecordReads(ctx, c.ch, c.ids, c.who, at)
		must(t, err)
		if n != c.want {
			t.Errorf("RecordReads(%d, %v, %s) = %d, want %d", c.ch, c.ids, c.who, n, c.want)
		}
	}
	ds, err := s.ListDeliveries(ctx, d.MessageID)
	must(t, err)
	if len(ds) != 1 || len(ds[0].Reads) != 2 || ds[0].Reads[0].Reader != "ou_li" || ds[0].Reads[0].Name != "Name ou_li" ||
		!ds[0].Reads[0].At.Equal(at) || ds[0].Reads[1].Reader != "ou_wang" || ds[0].Reads[1].Name != "" {
		t.Fatalf("deliveries = %+v", ds)
	}
	byMsg, err := s.MessageReads(ctx, []int64{d.MessageID, 999999})
	must(t, err)
	if len(byMsg) != 1 || len(byMsg[d.MessageID]) != 2 {
		t.Errorf("MessageReads = %+v", byMsg)
	}
}
