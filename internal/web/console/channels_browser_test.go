package console_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	simfeishu "switchboard/internal/simulator/feishu"
)

// TestBrowserAddFeishuChannelAndTestConnection is an admin's first Feishu
// setup against the simulator: add the channel from the navigation, copy
// the callback URL, test the connection in place; then a wrong App Secret
// makes the test show the platform's refusal and the channel go down.
func TestBrowserAddFeishuChannelAndTestConnection(t *testing.T) {
	sim := httptest.NewServer(simfeishu.NewServer(simfeishu.Config{AppID: "cli_browser", AppSecret: "right-secret"}))
	defer sim.Close()
	n := apptest.Start(t)
	ctx := newChrome(t) // second, so it closes first (see TestBrowserInboxUpdatesLiveWithoutReload)
	signIn(t, ctx, n)

	var callback string
	err := chromedp.Run(ctx,
		chromedp.Click(`nav a[href="/channels"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#channel-list`),
		chromedp.Click(`a[href="/channels/new?kind=feishu"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#channel-form`),
		chromedp.SendKeys(`#channel-form input[name="name"]`, "飞书客服"),
		chromedp.SendKeys(`#f-app_id`, "cli_browser"),
		chromedp.SendKeys(`#f-app_secret`, "right-secret"),
		chromedp.SendKeys(`#f-verification_token`, "vt-browser"),
		chromedp.SetValue(`#f-base_url`, "custom"),
		chromedp.SendKeys(`#f-base_url-other`, sim.URL),
		chromedp.Submit(`#f-app_id`),
		chromedp.WaitVisible(`#callback-url`),
		chromedp.Text(`#callback-url`, &callback),
	)
	if err != nil {
		t.Fatalf("add the Feishu channel: %v", err)
	}
	if !strings.HasPrefix(callback, n.URL+"/hooks/feishu/") {
		t.Fatalf("callback URL %q, want %s/hooks/feishu/{id}", callback, n.URL)
	}
	result := testInPlace(t, ctx, "ok")
	if !strings.Contains(result, "连接成功") {
		t.Errorf("test with the right secret shows %q", result)
	}
	screenshot(t, ctx, "-channel")

	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#f-app_secret`, "wrong-secret"),
		chromedp.Submit(`#f-app_secret`),
		chromedp.WaitVisible(`.ok-note`),
	)
	if err != nil {
		t.Fatalf("change the App Secret: %v", err)
	}
	result = testInPlace(t, ctx, "bad")
	if !strings.Contains(result, "app secret invalid") || !strings.Contains(result, "10014") {
		t.Errorf("test with a wrong secret shows %q, want the simulator's code 10014 message", result)
	}
	var state, lastErr, listed string
	err = chromedp.Run(ctx,
		chromedp.Text(`#health .hstate`, &state),
		chromedp.Text(`#health .herr`, &lastErr),
		chromedp.Click(`.back a`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#channel-list`),
		chromedp.Text(`#channel-list tr.channel`, &listed),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lastErr, "app secret invalid") {
		t.Errorf("the setup page's health shows last error %q after the failed test", lastErr)
	}
	if state != "已断开" || !strings.Contains(listed, "已断开") || !strings.Contains(listed, "app secret invalid") {
		t.Errorf("after the failed test: setup page state %q, list row %q; want down with the platform's error", state, listed)
	}
}

// testInPlace clicks "test connection" and waits for its result beside the
// button without the page reloading; want is "ok" or "bad".
func testInPlace(t *testing.T, ctx context.Context, want string) string {
	t.Helper()
	var result, marker string
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := chromedp.Run(pctx,
		chromedp.Evaluate(`window.sbTestMarker = "before-test"`, nil),
		chromedp.Click(`.test-conn button`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.test-conn .test-result.`+want),
		chromedp.Text(`.test-conn .test-result`, &result),
		chromedp.Evaluate(`window.sbTestMarker || ""`, &marker),
	)
	if err != nil {
		t.Fatalf("test connection (%s): %v", want, err)
	}
	if marker != "before-test" {
		t.Errorf("the page reloaded for the test; its result is not shown in place")
	}
	return result
}
