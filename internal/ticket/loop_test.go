package ticket

import "testing"

// Only a whole message asks something of the tickets: a sentence that
// mentions the status, or a number inside text, is ordinary conversation.
func TestClassifyChatAsks(t *testing.T) {
	for _, c := range []struct {
		text  string
		ask   ask
		score int
	}{
		{"进度", askProgress, 0},
		{" Status? ", askProgress, 0},
		{"进展。", askProgress, 0},
		{"5", askRate, 5},
		{"1", askRate, 1},
		{"6", askNone, 0},
		{"0", askNone, 0},
		{"没解决", askReopen, 0},
		{"Not solved!", askReopen, 0},
		{"进度怎么样了，什么时候能修好", askNone, 0},
		{"我有 5 台设备坏了", askNone, 0},
		{"", askNone, 0},
	} {
		a, score := classify(c.text)
		if a != c.ask || score != c.score {
			t.Errorf("classify(%q) = %d, %d; want %d, %d", c.text, a, score, c.ask, c.score)
		}
	}
}
