package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
)

// TestBrowserSettingsHighlightLiveRows saves a highlight keyword through the
// settings form, then watches a message arrive over the live stream with
// the keyword marked, as the script builds that row itself.
func TestBrowserSettingsHighlightLiveRows(t *testing.T) {
	n := apptest.Start(t)
	ctx := newChrome(t) // second, so it closes first (see TestBrowserInboxUpdatesLiveWithoutReload)
	h := n.CreateWebhook("ERP", 1, "")
	signIn(t, ctx, n)

	var saved string
	err := chromedp.Run(ctx,
		chromedp.Click(`nav a[href="/notifications"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#settings select[name="hop_channel"]`),
		chromedp.SetValue(`#settings select[name="hop_channel"]`, fmt.Sprint(h.ID)),
		chromedp.SetValue(`#settings input[name="hop_dest"]`, "ou_admin"),
		chromedp.SetValue(`#highlights`, "停机, <b>"),
		chromedp.Click(`#settings button[type="submit"]`),
		chromedp.WaitVisible(`.ok-note`),
		chromedp.Text(`.ok-note`, &saved),
		chromedp.Click(`nav a[href="/"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#live:not(.off)`),
	)
	if err != nil || saved != "通知设置已保存。" {
		t.Fatalf("save settings in the browser: %v (note %q)", err, saved)
	}
	post(t, n, h, webhookMsg("m1", "c1", "产线群", "李工", "三号线停机 <b>x</b>"))
	var marks []string
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = chromedp.Run(pctx, chromedp.Poll(`(function () {
		var li = document.querySelector("#messages li");
		if (!li || !li.textContent.includes("三号线停机")) { return null; }
		return Array.from(li.querySelectorAll(".text mark")).map(function (m) { return m.textContent; })
			.concat(li.querySelectorAll(".text b").length ? ["<b> became markup"] : []);
	})()`, &marks, chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("live row not shown within 2s: %v", err)
	}
	if len(marks) != 2 || marks[0] != "停机" || marks[1] != "<b>" {
		t.Errorf("marked in the live row: %q, want 停机 and <b> as text", marks)
	}
	screenshot(t, ctx, "-highlight")
}
