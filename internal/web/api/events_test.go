package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// A browser that reconnects sends Last-Event-ID; it gets what it missed,
// in order, and then the live stream without repeats.
func TestReconnectingStreamCatchesUp(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP", 1, "")
	for i := range 3 {
		n.Post(h, apptest.NewMessage(fmt.Sprint("m", i), "c", "s", fmt.Sprint("消息", i)))
	}
	var p page
	apptest.WaitFor(t, time.Second, "3 messages", func() bool { n.Do("GET", "/api/v1/messages", n.Token, nil, &p); return len(p.Items) == 3 })
	first := p.Items[2].ID

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+n.Token)
	req.Header.Set("Last-Event-ID", fmt.Sprint(first))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var ids []string
	for sc.Scan() && len(ids) < 3 {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
			if len(ids) == 2 {
				n.Post(h, apptest.NewMessage("live", "c", "s", "实时"))
			}
		}
	}
	want := []string{fmt.Sprint(p.Items[1].ID), fmt.Sprint(p.Items[0].ID), fmt.Sprint(p.Items[0].ID + 1)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("event ids %v, want %v (missed two, then the live one)", ids, want)
	}
}
