package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// `bench ingest` from the binary: every platform's callbacks, built by its
// simulator with signatures (and Feishu's encryption) on, are accepted,
// stored once and streamed; the report says which platform and target.
func TestBenchIngestSendsEachPlatformsCallbacks(t *testing.T) {
	for _, tc := range []struct {
		platform string
		target   int
	}{{"webhook", targetPerSec}, {"feishu", targetPlatformPerSec}, {"dingtalk", targetPlatformPerSec}} {
		t.Run(tc.platform, func(t *testing.T) {
			var out, errOut syncBuffer
			code := Main(context.Background(), []string{"bench", "ingest", "--platform", tc.platform, "-n", "300", "-c", "8",
				"--duration", "0", "--json", "--data-dir", t.TempDir()}, &out, &errOut, func(string) string { return "" })
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var rep report
			if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, out.String())
			}
			tp := rep.Throughput
			if rep.Platform != tc.platform || rep.TargetPerSec != tc.target || tp == nil {
				t.Fatalf("report %+v", rep)
			}
			if tp.Accepted != 300 || tp.Non2xx != 0 || tp.Errors != 0 || tp.Processed != 300 || tp.Missing != 0 {
				t.Errorf("throughput %+v; want 300 accepted and seen on the stream", *tp)
			}
		})
	}
}

func TestBenchRefusesAnUnknownPlatform(t *testing.T) {
	var out, errOut syncBuffer
	if code := Main(context.Background(), []string{"bench", "ingest", "--platform", "wecom"}, &out, &errOut, func(string) string { return "" }); code == 0 ||
		!strings.Contains(errOut.String(), "--platform") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
