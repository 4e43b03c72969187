package sqldb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx" for the raw connection

	"switchboard/internal/crypto"
	"switchboard/internal/store/postgres"
	"switchboard/internal/store/sqldb"
	"switchboard/internal/store/sqlite"
	"switchboard/internal/store/storetest"
	"switchboard/internal/testsvc"
)

// The periodic ticket passes run every second on every node: each of
// their statements must find its rows through an index, never by reading
// every ticket, clock, message or webhook event (the lists an agent opens
// too). SQLite has no statistics here, so its plans are the same at any
// size; PostgreSQL is seeded large enough and analysed, as a grown
// installation would be.

// sqliteScan is a plan line reading a whole table, or a whole index that
// is not one of the partial indexes made for a pass.
var sqliteScan = regexp.MustCompile(`^SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?$`)

// partial indexes hold only a pass's work: scanning them is the point.
var partial = map[string]bool{"tickets_loop_owed": true, "tickets_clock_owed": true, "tickets_unassigned_open": true,
	"tickets_live_conv": true, "ticket_sla_next": true, "ticket_sla_breach": true, "ticket_sla_warn": true,
	"notify_intents_pending": true, "tickets_closed_resolved": true}

// uses names, per statement, the indexes (any one) its plan must read:
// where a plan could find its rows through a wider index (all clocks with
// a state, every ticket without an assignee), that is a scan in disguise.
var uses = map[string][]string{
	"loop/TicketsToTell":              {"tickets_loop_owed"},
	"sla/TicketsToClock":              {"tickets_clock_owed"},
	"sla/DueTicketClocks":             {"ticket_sla_next"},
	"hooks/pruneDeliveries":           {"ticket_hook_deliveries_done"},
	"hooks/pruneEvents":               {"ticket_hook_events_occurred"},
	"chat/TicketChatMessages":         {"tickets_live_conv"},
	"sweep/strays":                    {"tickets_unassigned_open", "tickets_open_assignee"},
	"sweep/countLoads":                {"tickets_open_assignee"},
	"autoclose/ResolvedTicketsBefore": {"tickets_resolved"},
	// The window, or the open tickets by status (tickets_resolved leads with it too).
	"dupes/UncheckedTickets": {"tickets_created", "tickets_status", "tickets_resolved"},
	// PostgreSQL, knowing from statistics that breaches are common, may
	// walk tickets and clocks together from the newest to fill the page.
	"list/breached":            {"ticket_sla_breach", "Index Scan Backward using ticket_sla_pkey"},
	"list/at-risk":             {"ticket_sla_warn"},
	"list/agent-breached-open": {"ticket_sla_breach", "tickets_status", "tickets_open_assignee"},
}

// checkUses reports a plan that reads none of the indexes named for q.
func checkUses(t *testing.T, q sqldb.PlanQuery, plan []string) {
	want, ok := uses[q.Name]
	if !ok {
		return
	}
	text := strings.Join(plan, "\n")
	for _, ix := range want {
		if strings.Contains(text, ix) {
			return
		}
	}
	t.Errorf("%s reads none of %v:\n%s", q.Name, want, text)
}

// small tables hold a row or two whatever the size of the installation.
var small = map[string]bool{"c": true, "ticket_hook_cursor": true, "w": true}

func TestTicketPassPlansSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plans.db")
	db, err := sqlite.Open(ctx, path, keys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	l := storetest.TicketLoad{Tickets: 3000, Owed: 5, Messages: 20000, Fresh: 200}
	if err := l.Seed(ctx, db, raw, "sqlite"); err != nil {
		t.Fatal(err)
	}
	for _, q := range db.TicketPassQueries(passParams(t, raw, l)) {
		plan := explain(t, raw, "EXPLAIN QUERY PLAN ", q, 3)
		checkUses(t, q, plan)
		for _, line := range plan {
			m := sqliteScan.FindStringSubmatch(line)
			if m != nil && !small[m[1]] && !partial[m[2]] {
				t.Errorf("%s reads all of %s: %q\nplan:\n%s", q.Name, m[1], line, strings.Join(plan, "\n"))
			}
		}
	}
}

// pgScan is a plan line reading a whole table that grows with the tickets.
var pgScan = regexp.MustCompile(`Seq Scan on (tickets|ticket_sla|ticket_loop|ticket_history|ticket_comments|ticket_hook_events|ticket_hook_deliveries|messages|ticket_dupe_checks)\b`)

func TestTicketPassPlansPostgres(t *testing.T) {
	ctx := context.Background()
	u := testsvc.FreshSchema(t).URL
	db, err := postgres.Open(ctx, u, keys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	l := storetest.TicketLoad{Tickets: 30000, Owed: 5, Messages: 100000, Fresh: 200}
	if err := l.Seed(ctx, db, raw, "postgres"); err != nil {
		t.Fatal(err)
	}
	for _, q := range db.TicketPassQueries(passParams(t, raw, l)) {
		plan := explain(t, raw, "EXPLAIN ", q, 0)
		checkUses(t, q, plan)
		for _, line := range plan {
			if m := pgScan.FindStringSubmatch(line); m != nil {
				t.Errorf("%s reads all of %s: %q\nplan:\n%s", q.Name, m[1], line, strings.Join(plan, "\n"))
			}
		}
	}
}

// explain returns the plan's lines (column col of each row, or the only one).
func explain(t *testing.T, raw *sql.DB, prefix string, q sqldb.PlanQuery, col int) []string {
	t.Helper()
	rows, err := raw.Query(prefix+q.SQL, q.Args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", q.Name, err, q.SQL)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		dst := make([]any, len(cols))
		vals := make([]sql.NullString, len(cols))
		for i := range dst {
			dst[i] = &vals[i]
		}
		if err := rows.Scan(dst...); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(vals[min(col, len(cols)-1)].String))
	}
	if testing.Verbose() {
		t.Logf("%s:\n%s", q.Name, strings.Join(out, "\n"))
	}
	return out
}

func passParams(t *testing.T, raw *sql.DB, l storetest.TicketLoad) sqldb.PassParams {
	p := sqldb.PassParams{Agent: l.AgentScope(), Team: l.TeamA, ChatCursor: l.ChatCursor}
	for src, dst := range map[string]*int64{"history": &p.HistoryCursor, "comment": &p.CommentCursor} {
		if err := raw.QueryRow(`SELECT below_id FROM ticket_hook_cursor WHERE source = '` + src + `'`).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func keys(t *testing.T) *crypto.Keyring {
	k, err := crypto.NewKeyring(map[uint32][]byte{1: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}
