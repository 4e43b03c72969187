package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

// Subject carries every event between nodes.
const Subject = "switchboard.events"

// NATS fans events out to every node through a NATS server. Each node also
// delivers its own events locally at once, so a NATS outage never delays
// what the publishing node's own clients see.
type NATS struct {
	*Local
	conn *nats.Conn
	sub  *nats.Subscription
	node string
	log  *slog.Logger
}

// DialNATS connects to url and starts relaying events from other nodes. It
// reconnects forever; events published while disconnected are buffered by
// the client (up to its reconnect buffer) and otherwise logged as lost.
func DialNATS(url, node string, log *slog.Logger) (*NATS, error) {
	b := &NATS{Local: NewLocal(), node: node, log: log}
	conn, err := nats.Connect(url,
		nats.Name("switchboard "+node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrl()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("nats-url: connect %s: %w", url, err)
	}
	b.conn = conn
	b.sub, err = conn.Subscribe(Subject, b.receive)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("nats subscribe: %w", err)
	}
	if err := conn.Flush(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("nats flush: %w", err)
	}
	return b, nil
}

func (b *NATS) receive(m *nats.Msg) {
	var ev Event
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		b.log.Warn("nats: bad event", "err", err)
		return
	}
	if ev.Node == b.node {
		return // already delivered locally
	}
	b.Local.Publish(context.Background(), ev)
}

// Publish delivers ev locally and to the other nodes.
func (b *NATS) Publish(ctx context.Context, ev Event) error {
	ev.Node = b.node
	b.Local.Publish(ctx, ev)
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := b.conn.Publish(Subject, data); err != nil {
		return fmt.Errorf("nats publish: %w", err)
	}
	return nil
}

// Connected reports whether the NATS connection is up.
func (b *NATS) Connected() bool { return b.conn.IsConnected() }

// Close drains the subscription and closes the connection.
func (b *NATS) Close() error {
	_ = b.sub.Unsubscribe()
	b.conn.Close()
	return nil
}
