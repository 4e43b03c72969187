package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"switchboard/internal/crypto"
	"switchboard/internal/model"
	"switchboard/internal/store"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/storetest"
)

// The seeded database is shared by every BenchmarkTicketPasses run of the
// process (-count, sub-benchmarks): seeding takes most of a minute.
var ticketLoad struct {
	once sync.Once
	dir  string
	db   *sqldb.DB
	l    storetest.TicketLoad
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if ticketLoad.db != nil {
		ticketLoad.db.Close()
	}
	if ticketLoad.dir != "" {
		os.RemoveAll(ticketLoad.dir)
	}
	os.Exit(code)
}

func loadedTickets(b *testing.B) (*sqldb.DB, storetest.TicketLoad) {
	ticketLoad.once.Do(func() {
		ctx := context.Background()
		start := time.Now()
		ticketLoad.dir, ticketLoad.err = os.MkdirTemp("", "ticket-load-")
		if ticketLoad.err != nil {
			return
		}
		path := filepath.Join(ticketLoad.dir, "load.db")
		keys, _ := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
		db, err := Open(ctx, path, keys)
		if err != nil {
			ticketLoad.err = err
			return
		}
		ticketLoad.db = db
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			ticketLoad.err = err
			return
		}
		defer raw.Close()
		raw.SetMaxOpenConns(1)
		ticketLoad.l = storetest.TicketLoad{Tickets: 100_000, Owed: 5, Messages: 1_000_000, Fresh: 200}
		ticketLoad.err = ticketLoad.l.Seed(ctx, db, raw, "sqlite")
		b.Logf("seeded %d tickets, %d messages in %v", ticketLoad.l.Tickets, ticketLoad.l.Messages, time.Since(start).Round(time.Second))
	})
	if ticketLoad.err != nil {
		b.Fatal(ticketLoad.err)
	}
	return ticketLoad.db, ticketLoad.l
}

// BenchmarkTicketPasses measures one idle round of each periodic ticket
// pass (every node runs most of them every second) over 100,000 tickets
// (300 open, 5 changed since last told) and 1,000,000 messages, and the
// ticket lists an agent opens. Each should cost what there is to do, not
// what there is.
//
//	go test -run '^$' -bench TicketPasses -benchtime 200x -count 5 ./internal/store/sqlite/
func BenchmarkTicketPasses(b *testing.B) {
	db, l := loadedTickets(b)
	ctx := context.Background()
	open := []model.TicketStatus{model.TicketAccepted, model.TicketInProgress, model.TicketWaiting}
	for _, c := range []struct {
		name string
		run  func() (int, error)
	}{
		{"loop/TicketsToTell", func() (int, error) { r, err := db.TicketsToTell(ctx, 100); return len(r), err }},
		{"sla/TicketsToClock", func() (int, error) { r, err := db.TicketsToClock(ctx, 100); return len(r), err }},
		{"sla/DueTicketClocks", func() (int, error) { r, err := db.DueTicketClocks(ctx, time.Now(), 100); return len(r), err }},
		{"hooks/HookSources", func() (int, error) { r, err := db.HookSources(ctx, 200); return len(r), err }},
		{"hooks/ClaimHookDeliveries", func() (int, error) {
			now := time.Now()
			r, err := db.ClaimHookDeliveries(ctx, "bench", now, now.Add(30*time.Second), 32)
			return len(r), err
		}},
		{"chat/TicketChatMessages", func() (int, error) {
			if _, err := db.LastMessageID(ctx); err != nil {
				return 0, err
			}
			cur, err := db.TicketChatCursor(ctx)
			if err != nil {
				return 0, err
			}
			r, err := db.TicketChatMessages(ctx, cur, time.Now().Add(-7*24*time.Hour), 500)
			return len(r), err
		}},
		{"sweep/AssignQueued", func() (int, error) {
			r, err := db.AssignQueued(ctx, store.AssignRun{TeamID: l.TeamA, Mode: model.AssignLeastLoaded, DefaultCapacity: 10})
			return len(r), err
		}},
		{"hooks/AdvanceHookCursors", func() (int, error) { return 0, db.AdvanceHookCursors(ctx, 10*time.Minute) }},
		{"hooks/PruneHookEvents", func() (int, error) {
			n, err := db.PruneHookEvents(ctx, time.Now().Add(-100*24*time.Hour))
			return int(n), err
		}},
		{"dupes/UncheckedTickets", func() (int, error) { // the 5 s pass, from its floor
			r, err := db.UncheckedTickets(ctx, time.Now().Add(-10*time.Second), time.Now().Add(-3*time.Second), 100)
			return len(r), err
		}},
		{"dupes/UncheckedTickets-week", func() (int, error) { // the hourly look over the whole window
			r, err := db.UncheckedTickets(ctx, time.Now().Add(-7*24*time.Hour), time.Now().Add(-3*time.Second), 100)
			return len(r), err
		}},
		{"sweep/QueueWork", func() (int, error) { teams, strays, err := db.QueueWork(ctx); return len(teams) + len(strays), err }},
		{"list/agent-open", func() (int, error) {
			r, err := db.ListTickets(ctx, l.AgentScope(), store.TicketFilter{Status: open, Limit: 50})
			return len(r), err
		}},
		{"list/agent-all", func() (int, error) {
			r, err := db.ListTickets(ctx, l.AgentScope(), store.TicketFilter{Limit: 50})
			return len(r), err
		}},
		{"list/breached", func() (int, error) {
			r, err := db.ListTickets(ctx, store.TicketScope{All: true}, store.TicketFilter{SLA: "breached", Limit: 50})
			return len(r), err
		}},
		{"list/agent-breached-open", func() (int, error) {
			r, err := db.ListTickets(ctx, l.AgentScope(), store.TicketFilter{SLA: "breached", Status: open, Limit: 50})
			return len(r), err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				got, err := c.run()
				if err != nil {
					b.Fatal(err)
				}
				n = got
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
}
