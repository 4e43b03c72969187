package feishu_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/config"
	simfeishu "switchboard/internal/simulator/feishu"
	"switchboard/internal/testsvc"
)

// With two nodes, both open the channel's long connection (node b hears
// of the new channel over the bus), Feishu hands each event to one of
// them, and when node b stops, node a gets everything: each message once.
func TestFeishuLongConnectionAcrossNodes(t *testing.T) {
	schema, nats := testsvc.FreshSchema(t), testsvc.StartNATS(t)
	sim, baseURL := longConnPlatform(t) // after the services: stopped after the nodes
	keys := filepath.Join(t.TempDir(), "keys.json")
	node := func(id string) apptest.Options {
		return func(c *config.Config) {
			c.DatabaseURL, c.NATSURL, c.MasterKeyFile, c.NodeID = schema.URL, nats.URL(), keys, id
		}
	}
	a := apptest.Start(t, node("a"))
	b := apptest.Start(t, node("b"))
	createLongConnChannel(t, a, baseURL)
	apptest.WaitFor(t, 10*time.Second, "both nodes connected", func() bool { return len(sim.Connections()) == 2 })

	events := sim.Events()
	push := func(i int) string {
		return sim.PushEvent(events.MessageReceived(simfeishu.Message{MessageID: fmt.Sprintf("om_n%d", i), ChatID: "oc_line3", ChatType: "group", Text: "报警"}))
	}
	by := map[int]int{}
	for i := range 6 {
		by[pushed(t, sim, push(i)).AckedBy]++
	}
	if len(by) != 2 {
		t.Errorf("acks by connection: %v; want events spread over both nodes", by)
	}
	b.Stop()
	apptest.WaitFor(t, 5*time.Second, "node b's connection closed", func() bool { return len(sim.Connections()) == 1 })
	for i := 6; i < 8; i++ {
		pushed(t, sim, push(i))
	}
	apptest.WaitFor(t, 5*time.Second, "eight messages", func() bool { return len(messages(a, "")) == 8 })
	time.Sleep(200 * time.Millisecond)
	if got := messages(a, ""); len(got) != 8 {
		t.Errorf("stored %d messages, want 8", len(got))
	}
}
