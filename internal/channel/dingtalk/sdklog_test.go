package dingtalk

import (
	"sync"
	"testing"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/logger"
)

// Stream channels opened at once (the console adding one while the node
// opens another) each ask the SDK for its logger; the SDK writes it on
// first use without a lock, so it must be set before any client exists —
// or -race fails whichever test opens two first.
func TestSDKLoggerIsSetBeforeAnyClient(t *testing.T) {
	if _, ok := logger.GetLogger().(quietSDK); !ok {
		t.Fatalf("SDK logger is %T at start, want quietSDK set by init", logger.GetLogger())
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _ = logger.GetLogger() })
	}
	wg.Wait()
}
