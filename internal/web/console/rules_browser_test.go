package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
)

// TestBrowserRulesDryRun opens the rules page from the navigation, pastes a
// draft and runs it, as an admin would.
func TestBrowserRulesDryRun(t *testing.T) {
	n := apptest.Start(t)
	ctx := newChrome(t) // second, so it closes first (see TestBrowserInboxUpdatesLiveWithoutReload)
	h := n.CreateWebhook("ERP", 1, "")
	post(t, n, h, webhookMsg("m1", "c1", "产线群", "李工", "三号线停机，紧急处理"))
	stored(t, n, "三号线停机，紧急处理")
	signIn(t, ctx, n)

	var result string
	err := chromedp.Run(ctx,
		chromedp.Click(`nav a[href="/rules"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#draft`),
		chromedp.SetValue(`#draft`, "name: 停机\nconditions:\n  keywords: {any: [停机]}\nactions: {tags: [停机]}\n"),
		chromedp.Click(`#dry-run button[type="submit"]`),
		chromedp.WaitVisible(`#dry-result`),
		chromedp.Text(`#dry-result`, &result),
	)
	if err != nil {
		t.Fatalf("dry run in the browser: %v", err)
	}
	for _, want := range []string{"三号线停机，紧急处理", "加标签 停机", "匹配 1"} {
		if !strings.Contains(result, want) {
			t.Errorf("dry-run result %q lacks %q", result, want)
		}
	}
	screenshot(t, ctx, "-rules")
}
