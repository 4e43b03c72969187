package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
)

// chromiumPath is where scripts/test-deps.sh installs the browser.
const chromiumPath = "/usr/bin/chromium"

// newChrome starts headless Chromium with a fresh profile and no background
// traffic (the test machine has no network). Without Chromium the test is
// skipped locally but fails in CI, where the browser must be installed.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s (scripts/test-deps.sh installs it): %v", chromiumPath, err)
		}
		t.Skipf("chromium not found at %s; install it (apt-get install chromium) to run the browser test", chromiumPath)
	}
	// Not t.TempDir: Chrome's helper processes can still write to the profile
	// for a moment after the browser exits, which fails its strict cleanup.
	profile, err := os.MkdirTemp("", "sb-chrome-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func TestBrowserInboxUpdatesLiveWithoutReload(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	n := apptest.Start(t)
	// Chrome starts second so it closes first: an open event stream would
	// otherwise hold the node's graceful shutdown for its full timeout.
	ctx := newChrome(t)
	h := n.CreateWebhook("钉钉 · 生产部", 1, receiver.URL)
	post(t, n, h, webhookMsg("old-1", "line-3", "三号产线", "李工", "三号线今天的产量报表已上传"))
	stored(t, n, "三号线今天的产量报表已上传")

	signIn(t, ctx, n)
	posted := time.Now()
	post(t, n, h, webhookMsg("new-1", "line-3", "三号产线", "张主管", "这个问题很紧急，请马上处理"))

	var appeared bool
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := chromedp.Run(pctx, chromedp.Poll(`document.querySelector("#messages li .text").textContent.includes("这个问题很紧急")`,
		&appeared, chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil || !appeared {
		t.Fatalf("new message not at the top of the inbox within 1s: %v", err)
	}
	t.Logf("live message shown %s after the webhook post", time.Since(posted).Round(time.Millisecond))

	var marker, first string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`window.sbTestMarker || ""`, &marker),
		chromedp.Text(`#messages li`, &first, chromedp.NodeVisible))
	if err != nil {
		t.Fatal(err)
	}
	if marker != "loaded-once" {
		t.Errorf("page was reloaded: marker %q", marker)
	}
	for _, want := range []string{"张主管", "钉钉 · 生产部", "三号产线", "文本"} {
		if !strings.Contains(first, want) {
			t.Errorf("live row %q lacks %q", first, want)
		}
	}
	screenshot(t, ctx, "")
	conversationLive(t, ctx, n, h)
}

// signIn fills in the sign-in form, waits for the inbox's live stream and
// marks the page so a reload would show.
func signIn(t *testing.T, ctx context.Context, n *apptest.Node) {
	t.Helper()
	err := chromedp.Run(ctx,
		chromedp.Navigate(n.URL+"/login"),
		chromedp.SendKeys(`input[name="login"]`, "admin"),
		chromedp.SendKeys(`input[name="password"]`, n.AdminPW),
		chromedp.Submit(`input[name="password"]`),
		chromedp.WaitVisible(`#messages`),
		// The live badge shows once the event stream is open, so nothing posted later is missed.
		chromedp.WaitVisible(`#live:not(.off)`),
		chromedp.Evaluate(`window.sbTestMarker = "loaded-once"`, nil),
	)
	if err != nil {
		t.Fatalf("sign in and open inbox: %v", err)
	}
}

// conversationLive opens the conversation from the inbox row, watches a new
// inbound message arrive in place, then replies through the form.
func conversationLive(t *testing.T, ctx context.Context, n *apptest.Node, h apptest.Hook) {
	err := chromedp.Run(ctx,
		chromedp.Click(`#messages li .msg-link`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#thread`),
		chromedp.WaitVisible(`#live:not(.off)`),
		chromedp.Evaluate(`window.sbTestMarker = "conversation"`, nil),
	)
	if err != nil {
		t.Fatalf("open conversation: %v", err)
	}
	post(t, n, h, webhookMsg("new-2", "line-3", "三号产线", "李工", "备件已经到了"))
	var appeared bool
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := chromedp.Run(pctx, chromedp.Poll(`document.querySelector("#thread li.bubble.in:last-child .text").textContent === "备件已经到了"`,
		&appeared, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("new message not at the end of the conversation within 1s: %v", err)
	}
	var last, marker string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`window.sbTestMarker || ""`, &marker),
		chromedp.SendKeys(`#reply-text`, "收到，马上安排"),
		chromedp.Submit(`#reply-text`),
		chromedp.WaitVisible(`#thread li.bubble.out`),
		chromedp.Text(`#thread li.bubble.out .text`, &last),
	)
	if err != nil || marker != "conversation" || last != "收到，马上安排" {
		t.Fatalf("reply through the form: err %v, marker %q, outbound %q", err, marker, last)
	}
	screenshot(t, ctx, "-conversation")
}

// screenshot saves the page as PNG when SB_CONSOLE_SCREENSHOT names a file,
// for a person to look at; tests never compare pixels.
// A suffix names further pages: /tmp/x.png and suffix "-conv" give /tmp/x-conv.png.
func screenshot(t *testing.T, ctx context.Context, suffix string) {
	path := os.Getenv("SB_CONSOLE_SCREENSHOT")
	if path == "" {
		return
	}
	path = strings.TrimSuffix(path, ".png") + suffix + ".png"
	var png []byte
	if err := chromedp.Run(ctx, chromedp.Sleep(1800*time.Millisecond), chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
