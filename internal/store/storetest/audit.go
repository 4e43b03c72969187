package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func testAuditChain(t *testing.T, s store.Store) {
	ctx := context.Background()
	var added []model.AuditEntry
	for i := range 5 {
		e, err := s.AppendAudit(ctx, model.AuditEntry{At: base.Add(time.Duration(i) * time.Second), UserID: 3, Login: "alice",
			Action: "message.read", Resource: fmt.Sprint("message:", i), Allowed: i%2 == 0, Detail: "d", RemoteIP: "10.0.0.1"})
		must(t, err)
		added = append(added, e)
	}
	checkChain(t, added)
	list, err := s.ListAudit(ctx, 10, false)
	must(t, err)
	if len(list) != 5 || list[0].ID != added[4].ID || list[4].ID != added[0].ID {
		t.Fatalf("ListAudit = %d entries, want 5 newest first", len(list))
	}
	got := list[4]
	if !got.At.Equal(base) || got.Login != "alice" || got.Action != "message.read" || got.Resource != "message:0" ||
		!got.Allowed || got.RemoteIP != "10.0.0.1" || got.Detail != "d" || !bytes.Equal(got.Hash, added[0].Hash) {
		t.Errorf("audit roundtrip = %+v", got)
	}
	denied, err := s.ListAudit(ctx, 10, true)
	must(t, err)
	if len(denied) != 2 || denied[0].ID != added[3].ID || denied[1].ID != added[1].ID {
		t.Errorf("deniedOnly = %+v, want entries 3 and 1", denied)
	}
	if l, _ := s.ListAudit(ctx, 2, false); len(l) != 2 || l[0].ID != added[4].ID {
		t.Errorf("ListAudit limit 2 = %+v", l)
	}
}

// testAuditConcurrentChain appends from several goroutines at once, as
// several nodes do: the trail must still be one unbroken chain.
func testAuditConcurrentChain(t *testing.T, s store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				_, err := s.AppendAudit(ctx, model.AuditEntry{Login: fmt.Sprint("node", w), Action: "x", Resource: fmt.Sprint(i), Allowed: true})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	list, err := s.ListAudit(ctx, 1000, false)
	must(t, err)
	if len(list) != 40 {
		t.Fatalf("ListAudit = %d entries, want 40", len(list))
	}
	slices.Reverse(list)
	checkChain(t, list)
}

// checkChain asserts each entry links to the one before it, oldest first.
func checkChain(t *testing.T, es []model.AuditEntry) {
	t.Helper()
	for i, e := range es {
		if len(e.Hash) == 0 {
			t.Errorf("entry %d has no hash", e.ID)
		}
		if i == 0 {
			if len(e.PrevHash) != 0 {
				t.Errorf("first entry links to %x", e.PrevHash)
			}
			continue
		}
		if !bytes.Equal(e.PrevHash, es[i-1].Hash) {
			t.Errorf("entry %d: prev hash %x, want %x (entry %d)", e.ID, e.PrevHash, es[i-1].Hash, es[i-1].ID)
		}
	}
}
