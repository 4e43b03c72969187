package console_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
)

// TestBrowserTicketListDetailAndLiveUpdates opens the ticket list, sees a
// ticket created through the API appear without a reload, opens a ticket,
// moves it to 处理中 with its button, and watches a change made elsewhere
// arrive on the open detail page.
func TestBrowserTicketListDetailAndLiveUpdates(t *testing.T) {
	n := apptest.Start(t)
	ctx := newChrome(t) // second, so it closes first (see TestBrowserInboxUpdatesLiveWithoutReload)
	create := func(title string) model.Ticket {
		var tk model.Ticket
		if st := n.Do("POST", "/api/v1/tickets", n.Token, map[string]any{"type": "incident", "title": title, "org_unit_id": 1}, &tk); st != http.StatusCreated {
			t.Fatalf("create %s: %d", title, st)
		}
		return tk
	}
	first := create("打印机卡纸")
	signIn(t, ctx, n)
	err := chromedp.Run(ctx,
		chromedp.Click(`nav a[href="/tickets"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#ticket-rows tr.ticket`),
		chromedp.WaitVisible(`#live:not(.off)`),
		chromedp.Evaluate(`window.sbTestMarker = "list"`, nil),
	)
	if err != nil {
		t.Fatalf("open the ticket list: %v", err)
	}
	second := create("网络中断 <b>三楼</b>")
	var shown bool
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err = chromedp.Run(pctx, chromedp.Poll(fmt.Sprintf(`(function () {
		var row = document.querySelector('#ticket-rows tr[data-id="%d"] .title');
		return !!row && row.textContent === "网络中断 <b>三楼</b>" && window.sbTestMarker === "list";
	})()`, second.ID), &shown, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil || !shown {
		t.Fatalf("ticket created through the API not in the list without a reload within 3s: %v", err)
	}
	screenshot(t, ctx, "-tickets")

	var status string
	err = chromedp.Run(ctx,
		chromedp.Click(fmt.Sprintf(`#ticket-rows tr[data-id="%d"] .key a`, first.ID), chromedp.NodeVisible),
		chromedp.WaitVisible(`#move-form`),
		chromedp.Click(`#move-form button[data-to="in_progress"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#ticket-status[data-status="in_progress"]`),
		chromedp.Text(`#ticket-status`, &status),
		chromedp.WaitVisible(`#live:not(.off)`),
		chromedp.Evaluate(`window.sbTestMarker = "detail"`, nil),
	)
	if err != nil || status != "处理中" {
		t.Fatalf("move to 处理中 by its button: %v (status %q)", err, status)
	}
	// Someone else resolves it: the open page follows.
	if st := n.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", first.ID), n.Token, map[string]any{"to": "resolved"}, nil); st != http.StatusOK {
		t.Fatalf("resolve through the API: %d", st)
	}
	pctx2, cancel2 := context.WithTimeout(ctx, 3*time.Second)
	defer cancel2()
	err = chromedp.Run(pctx2, chromedp.Poll(`document.getElementById("ticket-status").textContent === "已解决" && window.sbTestMarker === "detail"`,
		&shown, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("detail page did not show 已解决 without a reload: %v", err)
	}
	screenshot(t, ctx, "-ticket")
}
