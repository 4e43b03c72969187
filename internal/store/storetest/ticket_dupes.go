package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// dupFixture is three open tickets in one unit, from two customers.
type dupFixture struct {
	ticketFixture
	a, b, c model.Ticket
}

func newDupFixture(t *testing.T, s store.Store) dupFixture {
	f := dupFixture{ticketFixture: newTicketFixture(t, s)}
	mk := func(title string, m model.Message) model.Ticket {
		in := sampleTicket(f.o.deptA, title)
		in.Requester = model.Requester{PersonID: m.SenderID, Name: m.SenderName, ChannelID: m.ChannelID, ConversationID: m.ConversationID}
		return mustTicket(t, s, store.NewTicket{Ticket: in, Sources: []model.TicketSource{source(m)}})
	}
	f.a, f.b, f.c = mk("设备连不上网", f.msgs[0]), mk("我的设备也连不上网", f.msgs[2]), mk("还是连不上", f.msgs[1])
	return f
}

// A duplicate is closed and linked to the root of its survivor; the
// survivor counts every mention once and each person once; a cycle, a
// second link and a closed survivor are refused.
func testTicketDuplicates(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newDupFixture(t, s)
	cands, err := s.DuplicateCandidates(ctx, store.DuplicateCandidates{TicketID: f.c.ID, Type: model.TypeIncident,
		OrgUnitID: f.o.deptA, Since: time.Now().Add(-time.Hour), Limit: 10})
	must(t, err)
	if len(cands) != 2 || cands[0].ID != f.b.ID || cands[1].ID != f.a.ID || cands[0].Description != f.b.Description {
		t.Fatalf("candidates of the newest = %v, want b then a (older only, newest first)", ticketIDs(cands))
	}
	link, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: f.b.ID, SurvivorID: f.a.ID, Score: 0.8, Note: "重复"})
	must(t, err)
	if link.SurvivorID != f.a.ID {
		t.Fatalf("link = %+v", link)
	}
	// c names b, a duplicate: it is linked to b's survivor, a.
	if link, err = s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: f.c.ID, SurvivorID: f.b.ID, ActorID: f.agent}); err != nil || link.SurvivorID != f.a.ID {
		t.Fatalf("link to a duplicate = %+v, %v; want it at the root %d", link, err, f.a.ID)
	}
	b, _ := s.GetTicket(ctx, store.TicketScope{All: true}, f.b.ID)
	if b.Status != model.TicketClosed || b.Version != f.b.Version+1 || b.ClosedAt.IsZero() {
		t.Fatalf("duplicate b: status %s version %d, want closed at version %d", b.Status, b.Version, f.b.Version+1)
	}
	m, err := s.Mentions(ctx, f.a.ID)
	must(t, err)
	if m.Count != 3 || len(m.People) != 2 || m.People[0].TicketID != f.a.ID || m.People[1].Key != f.b.Key {
		t.Fatalf("mentions of a = %+v, want 3 mentions by 2 people (a's and b's requesters)", m)
	}
	for _, bad := range []struct {
		dup, into int64
		want      error
	}{{f.a.ID, f.c.ID, store.ErrDuplicateCycle}, {f.a.ID, f.a.ID, store.ErrDuplicateCycle}, {f.b.ID, f.a.ID, store.ErrAlreadyDuplicate}} {
		if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: bad.dup, SurvivorID: bad.into}); !errors.Is(err, bad.want) {
			t.Errorf("link %d into %d: %v, want %v", bad.dup, bad.into, err, bad.want)
		}
	}
	// Linking to a closed duplicate follows it to its open root.
	d := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "another")})
	if link, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: d.ID, SurvivorID: f.b.ID}); err != nil || link.SurvivorID != f.a.ID {
		t.Fatalf("link to closed duplicate b = %+v, %v; want it at a", link, err)
	}
	e := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "closed one")})
	e.Status = model.TicketClosed
	_, err = s.UpdateTicket(ctx, e, nil)
	must(t, err)
	g := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "late")})
	if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: g.ID, SurvivorID: e.ID}); !errors.Is(err, store.ErrSurvivorClosed) {
		t.Errorf("link into a closed ticket: %v, want ErrSurvivorClosed", err)
	}
	h, _ := s.TicketHistory(ctx, f.b.ID)
	if last := h[len(h)-1]; last.Field != "status" || last.To != "closed" || last.Note != "重复" {
		t.Errorf("b's last history entry = %+v, want closed with the note", last)
	}
	list, err := s.MostMentioned(ctx, store.TicketScope{All: true}, store.TicketFilter{Type: model.TypeIncident, Limit: 10})
	must(t, err)
	if len(list) != 3 || list[0].ID != f.a.ID || list[0].MentionCount != 4 || list[1].MentionCount != 1 {
		t.Fatalf("most mentioned = %+v, want a first (4: a, b, c, d)", list)
	}
	if dl, ok, _ := s.DuplicateOf(ctx, f.c.ID); !ok || dl.SurvivorID != f.a.ID || dl.LinkedBy != f.agent {
		t.Errorf("c's link = %+v %v", dl, ok)
	}
	if dups, _ := s.Duplicates(ctx, f.a.ID); len(dups) != 3 {
		t.Errorf("a has %d duplicates, want 3", len(dups))
	}
}

// Merging a into b and b into a at once on two connections makes one
// link, never a cycle.
func testTicketDuplicateRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newDupFixture(t, s)
	for range 3 {
		a := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "x")})
		b := mustTicket(t, s, store.NewTicket{Ticket: sampleTicket(f.o.deptA, "y")})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for _, p := range [][2]int64{{a.ID, b.ID}, {b.ID, a.ID}} {
			wg.Go(func() {
				if _, err := s.LinkDuplicate(ctx, store.LinkDuplicate{TicketID: p[0], SurvivorID: p[1]}); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		_, aDup, _ := s.DuplicateOf(ctx, a.ID)
		_, bDup, _ := s.DuplicateOf(ctx, b.ID)
		if ok != 1 || aDup == bDup {
			t.Fatalf("concurrent opposite merges: %d succeeded, a duplicate %v, b duplicate %v; want exactly one", ok, aDup, bDup)
		}
	}
}

// Suggestions are kept once per pair, listed while open, decided once;
// settings round-trip; a split moves only the named sources.
func testTicketSuggestAndSplit(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := newDupFixture(t, s)
	sug := []model.DuplicateSuggestion{{CandidateID: f.a.ID, Score: 0.5}, {CandidateID: f.b.ID, Score: 0.6}}
	must(t, s.SuggestDuplicates(ctx, f.c.ID, sug))
	must(t, s.SuggestDuplicates(ctx, f.c.ID, sug[:1]))
	got, err := s.DuplicateSuggestions(ctx, f.c.ID)
	must(t, err)
	if len(got) != 2 || got[0].CandidateID != f.b.ID || got[0].Key != f.b.Key || got[0].Title != f.b.Title {
		t.Fatalf("suggestions = %+v, want b (0.6) then a", got)
	}
	must(t, s.DecideSuggestion(ctx, f.c.ID, f.b.ID, model.SuggestionDismissed, f.agent))
	if err := s.DecideSuggestion(ctx, f.c.ID, f.b.ID, model.SuggestionAccepted, f.agent); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deciding twice: %v, want ErrNotFound", err)
	}
	must(t, s.SuggestDuplicates(ctx, f.c.ID, sug))
	if got, _ := s.DuplicateSuggestions(ctx, f.c.ID); len(got) != 1 || got[0].CandidateID != f.a.ID {
		t.Errorf("after dismissing b and suggesting again: %+v, want only a (dismissed stays dismissed)", got)
	}

	if _, ok, _ := s.DuplicateSettings(ctx); ok {
		t.Fatal("settings set before any were stored")
	}
	want := model.DuplicateSettings{Enabled: true, Suggest: 0.3, Link: 0.9, WindowDays: 7, Candidates: 50, Types: []string{"incident"}}
	must(t, s.SetDuplicateSettings(ctx, want))
	if back, ok, err := s.DuplicateSettings(ctx); err != nil || !ok || back.Link != 0.9 || back.Types[0] != "incident" {
		t.Fatalf("settings = %+v %v %v", back, ok, err)
	}

	in := sampleTicket(f.o.deptA, "拆出来的")
	if _, err := s.SplitTicket(ctx, store.SplitTicket{From: f.a.ID, Sources: []int64{f.msgs[0].ID, f.msgs[1].ID}, Ticket: in}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("split with a message of another ticket: %v, want ErrConflict", err)
	}
	if src, _ := s.TicketSources(ctx, f.a.ID); len(src) != 1 {
		t.Fatalf("a failed split moved sources: a has %d", len(src))
	}
	nt, err := s.SplitTicket(ctx, store.SplitTicket{From: f.c.ID, Sources: []int64{f.msgs[1].ID}, Ticket: in, ActorID: f.agent})
	must(t, err)
	if src, _ := s.TicketSources(ctx, nt.ID); len(src) != 1 || src[0].MessageID != f.msgs[1].ID || nt.Key == "" {
		t.Fatalf("split ticket %s sources = %+v", nt.Key, src)
	}
	if src, _ := s.TicketSources(ctx, f.c.ID); len(src) != 0 {
		t.Errorf("c still has %d sources", len(src))
	}
	h, _ := s.TicketHistory(ctx, f.c.ID)
	if last := h[len(h)-1]; last.Field != "split" || last.To != nt.Key {
		t.Errorf("c's history ends %+v, want split to %s", last, nt.Key)
	}
}
