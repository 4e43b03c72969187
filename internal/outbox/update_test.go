package outbox

import (
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// cardChannel records whether a message was edited or sent anew.
type cardChannel struct {
	updateErr       error
	updated, sentTo []string
}

func (c *cardChannel) Start(context.Context, channel.Sink) error { return nil }
func (c *cardChannel) Send(_ context.Context, m channel.Outbound) (channel.Receipt, error) {
	c.sentTo = append(c.sentTo, m.Destination)
	return channel.Receipt{ExternalID: "new-1", Destination: m.Destination}, nil
}
func (c *cardChannel) Update(_ context.Context, r channel.Receipt, _ channel.Outbound) error {
	c.updated = append(c.updated, r.ExternalID)
	return c.updateErr
}
func (c *cardChannel) Health() model.Health { return model.Health{} }

// A status card is edited in place where the platform can; where it
// cannot (or no longer can), the news goes as a new message; a passing
// failure is retried rather than sent twice.
func TestSendOrUpdate(t *testing.T) {
	for _, c := range []struct {
		name      string
		updates   string
		updateErr error
		wantID    string
		wantSent  bool
		wantErr   bool
	}{
		{"plain send", "", nil, "new-1", true, false},
		{"card edited", "card-1", nil, "card-1", false, false},
		{"platform cannot edit", "card-1", channel.ErrUnsupported, "new-1", true, false},
		{"card too old", "card-1", channel.Permanent(errors.New("230031 message too old")), "new-1", true, false},
		{"platform busy", "card-1", errors.New("503"), "card-1", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := &cardChannel{updateErr: c.updateErr}
			rc, err := sendOrUpdate(context.Background(), ch, channel.Outbound{Destination: "chat", Text: "处理中", Updates: c.updates})
			if (err != nil) != c.wantErr || rc.ExternalID != c.wantID || (len(ch.sentTo) == 1) != c.wantSent {
				t.Fatalf("receipt %q, err %v, sent %v; want %q, error %v, sent %v", rc.ExternalID, err, ch.sentTo, c.wantID, c.wantErr, c.wantSent)
			}
			if c.updates != "" && len(ch.updated) != 1 {
				t.Errorf("the card was not tried first: updated %v", ch.updated)
			}
		})
	}
}
