package simulator

import (
	"strings"
	"testing"
	"time"
)

func TestFaultsAreConsumedInOrderAndByPath(t *testing.T) {
	var q Faults
	q.Add(2, Fault{Status: 503})
	q.Add(1, Fault{Status: 429, Path: "/open-apis/im/"})
	if f, ok := q.Next("/open-apis/im/v1/messages"); !ok || f.Status != 503 {
		t.Fatalf("first = %+v %v", f, ok)
	}
	if f, ok := q.Next("/open-apis/auth/v3/tenant_access_token/internal"); !ok || f.Status != 503 {
		t.Fatalf("second = %+v %v", f, ok)
	}
	if _, ok := q.Next("/open-apis/auth/v3/tenant_access_token/internal"); ok {
		t.Fatal("a fault for /open-apis/im/ hit the token endpoint")
	}
	if f, ok := q.Next("/open-apis/im/v1/messages"); !ok || f.Status != 429 || q.Pending() != 0 {
		t.Fatalf("third = %+v %v, %d pending", f, ok, q.Pending())
	}
}

func TestDecodeFault(t *testing.T) {
	n, f, err := DecodeFault(strings.NewReader(`{"count":3,"status":429,"retry_after":"2s","delay":"10ms"}`))
	if err != nil || n != 3 || f.Status != 429 || f.RetryAfter != 2*time.Second || f.Delay != 10*time.Millisecond {
		t.Fatalf("got %d %+v %v", n, f, err)
	}
	if n, _, err := DecodeFault(strings.NewReader(`{"status":500}`)); err != nil || n != 1 {
		t.Fatalf("default count: %d %v", n, err)
	}
	if _, _, err := DecodeFault(strings.NewReader(`{"delay":"soon"}`)); err == nil {
		t.Fatal("a bad duration was accepted")
	}
}
