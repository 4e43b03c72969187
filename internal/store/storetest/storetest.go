// Package storetest is the one conformance suite every store implementation
// passes. Each backend's test calls Run with a function that opens a fresh,
// empty, migrated store; the suite asserts only what a user of the store
// would notice, so SQLite and PostgreSQL are held to identical behaviour.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/search"
	"switchboard/internal/store"
)

// base is the fixed clock of the fixtures, so expected orders never depend on
// when the test runs.
var base = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// Run runs every conformance test against stores made by open. open is
// called once per subtest and must return a fresh, empty, migrated store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"OrgUnitTree", testOrgUnitTree},
		{"Users", testUsers},
		{"TokensAndSessions", testTokensAndSessions},
		{"Channels", testChannels},
		{"ChannelScope", testChannelScope},
		{"DeleteChannel", testDeleteChannel},
		{"SessionRoutes", testSessionRoutes},
		{"InboxDedupe", testInboxDedupe},
		{"InboxLeases", testInboxLeases},
		{"InboxConcurrentClaims", testInboxConcurrentClaims},
		{"AcceptInbox", testAcceptInbox},
		{"AnnotatedTags", testAnnotatedTags},
		{"MessageClass", testMessageClass},
		{"CommitMessages", testCommitMessages},
		{"CommitFromInbox", testCommitFromInbox},
		{"MessageFilters", testMessageFilters},
		{"MessageScope", testMessageScope},
		{"GetMessageScope", testGetMessageScope},
		{"StarAndRead", testStarAndRead},
		{"Conversations", testConversations},
		{"SearchSameResults", testSearchSameResults},
		{"OutboxEnqueue", testOutboxEnqueue},
		{"OutboxEnqueueWithMessage", testOutboxEnqueueWithMessage},
		{"OutboxClaims", testOutboxClaims},
		{"OutboxTransitions", testOutboxTransitions},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"AuditChain", testAuditChain},
		{"AuditConcurrentChain", testAuditConcurrentChain},
		{"RulesCRUD", testRulesCRUD},
		{"ReplaceRules", testReplaceRules},
		{"NotifySettings", testNotifySettings},
		{"UnitChains", testUnitChains},
		{"UsersWithRole", testUsersWithRole},
		{"NotifyIntents", testNotifyIntents},
		{"DigestFlush", testDigestFlush},
		{"DeliveryFallback", testDeliveryFallback},
		{"OutboxPostpone", testOutboxPostpone},
		{"RecordAndClaim", testRecordAndClaim},
		{"ReadReceipts", testReadReceipts},
		{"DeadLetterAlert", testDeadLetterAlert},
		{"TicketRoundTrip", testTicketRoundTrip},
		{"TicketIdempotentSource", testTicketIdempotentSource},
		{"TicketConcurrentSource", testTicketConcurrentSource},
		{"TicketConcurrentNumbers", testTicketConcurrentNumbers},
		{"TicketVersion", testTicketVersion},
		{"TicketScope", testTicketScope},
		{"TicketFilters", testTicketFilters},
		{"TicketComments", testTicketComments},
		{"TicketTypesAndWeights", testTicketTypesAndWeights},
		{"TicketLoop", testTicketLoop},
		{"TicketResolvedBefore", testTicketResolvedBefore},
		{"TicketHookEvents", testTicketHookEvents},
		{"TicketHookClaims", testTicketHookClaims},
		{"TicketHookCursor", testTicketHookCursor},
		{"TicketExternal", testTicketExternal},
		{"TicketRoutingSettings", testTicketRoutingSettings},
		{"TicketQueueWork", testTicketQueueWork},
		{"TicketAssignQueue", testTicketAssignQueue},
		{"TicketRoundRobin", testTicketRoundRobin},
		{"TicketConcurrentAssign", testTicketConcurrentAssign},
		{"TicketDuplicates", testTicketDuplicates},
		{"TicketDuplicateRace", testTicketDuplicateRace},
		{"TicketSuggestAndSplit", testTicketSuggestAndSplit},
		{"TicketDupeChecks", testTicketDupeChecks},
		{"TicketAgentLoad", testTicketAgentLoad},
		{"TicketSplitIsChecked", testTicketSplitIsChecked},
		{"TicketViews", testTicketViews},
		{"TicketTeamFilters", testTicketTeamFilters},
		{"TicketSLASettings", testTicketSLASettings},
		{"TicketSLAClocks", testTicketSLAClocks},
		{"TicketSLAEvents", testTicketSLAEvents},
		{"TicketSLAFilter", testTicketSLAFilter},
		{"ProfilesAndAutoLink", testProfilesAndAutoLink},
		{"ManualLinks", testManualLinks},
		{"UnverifiedNoLink", testUnverifiedNoLink},
		{"AttachmentFetches", testAttachmentFetches},
		{"ConcurrentEnrichClaims", testConcurrentEnrichClaims},
		{"TicketAppendSource", testTicketAppendSource},
		{"TicketChatCursor", testTicketChatCursor},
		{"TicketExtractors", testTicketExtractors},
		{"TicketOwedPastIdleRows", testTicketOwedPastIdleRows},
		{"TicketSurvivorOwed", testTicketSurvivorOwed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// AtRest checks that secrets and bodies written through s are sealed in the
// database: raw is a plain connection to the same database. Backends call it
// from their own tests because only they can read the raw rows.
func AtRest(t *testing.T, s store.Store, raw *sql.DB) {
	ctx := context.Background()
	const secret = "hunter2-secret-plaintext"
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "webhook", Name: "w", OrgUnitID: o.deptA, Config: []byte(`{"token":"` + secret + `"}`)})
	e := envelope(ch.ID, "x1", "c1", "u1", "body "+secret, base)
	if _, err := s.AppendInbox(ctx, []store.InboxEntry{{Envelope: e}}); err != nil {
		t.Fatal(err)
	}
	commit(t, s, ch, e)
	if _, err := s.Enqueue(ctx, nil, model.Delivery{ChannelID: ch.ID, Destination: "c1", Payload: []byte(secret), IdemKey: "k"}); err != nil {
		t.Fatal(err)
	}
	tk, _, err := s.CreateTicket(ctx, store.NewTicket{Ticket: model.Ticket{Type: model.TypeIncident, Title: "t", Description: "desc " + secret,
		Status: model.TicketAccepted, Priority: "P3", OrgUnitID: o.deptA}})
	must(t, err)
	_, err = s.AddTicketComment(ctx, model.TicketComment{TicketID: tk.ID, Body: "note " + secret})
	must(t, err)
	for _, q := range []string{`SELECT config FROM channels`, `SELECT body FROM messages`, `SELECT envelope FROM inbox`, `SELECT payload FROM deliveries`,
		`SELECT description FROM tickets`, `SELECT body FROM ticket_comments`} {
		var b []byte
		if err := raw.QueryRowContext(ctx, q).Scan(&b); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(b) == 0 || strings.Contains(string(b), secret) {
			t.Errorf("%s: stored in plaintext or empty: %q", q, b)
		}
	}
}

// org is the fixture tree: root → deptA → teamA1, root → deptB.
type org struct{ root, deptA, teamA1, deptB int64 }

func newOrg(t *testing.T, s store.Store) org {
	t.Helper()
	mk := func(parent int64, name, kind string) int64 {
		u, err := s.CreateOrgUnit(context.Background(), model.OrgUnit{ParentID: parent, Name: name, Kind: kind})
		if err != nil {
			t.Fatalf("create org unit %s: %v", name, err)
		}
		return u.ID
	}
	var o org
	o.root = mk(0, "Acme", "company")
	o.deptA = mk(o.root, "Support", "department")
	o.teamA1 = mk(o.deptA, "Support L2", "team")
	o.deptB = mk(o.root, "Finance", "department")
	return o
}

func mustChannel(t *testing.T, s store.Store, c model.Channel) model.Channel {
	t.Helper()
	c, err := s.CreateChannel(context.Background(), c)
	if err != nil {
		t.Fatalf("create channel: %v", err)
	}
	return c
}

// envelope builds an inbound text envelope; sender doubles as display name.
func envelope(ch int64, ext, conv, sender, text string, at time.Time) model.Envelope {
	return model.Envelope{ChannelID: ch, ExternalID: ext, ConvID: conv, ConvTitle: "conv " + conv,
		SenderID: sender, SenderName: "Name " + sender, Kind: model.KindText, Text: text,
		SentAt: at, ReceivedAt: at.Add(time.Second)}
}

// commit stores envelopes as inbound messages of ch, outside the inbox.
func commit(t *testing.T, s store.Store, ch model.Channel, envs ...model.Envelope) []model.Message {
	t.Helper()
	batch := make([]store.NewMessage, len(envs))
	for i, e := range envs {
		batch[i] = store.NewMessage{OrgUnitID: ch.OrgUnitID, Kind: ch.Kind, Envelope: e, Direction: model.Inbound}
	}
	ms, err := s.CommitMessages(context.Background(), batch)
	if err != nil {
		t.Fatalf("commit messages: %v", err)
	}
	return ms
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// query turns a user's search box text into MessageFilter.Query, the way
// the web layer does.
func query(q string) string { return strings.Join(search.QueryTerms(q), " ") }

// ids lists message ids, for comparing results by identity and order.
func ids(ms []model.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// byExt maps fixture names to ids and back, so failures read as names.
type byExt map[string]int64

func (b byExt) ids(names ...string) []int64 {
	out := make([]int64, len(names))
	for i, n := range names {
		id, ok := b[n]
		if !ok {
			panic("storetest: unknown fixture " + n)
		}
		out[i] = id
	}
	return out
}

func (b byExt) names(got []int64) string {
	var out []string
	for _, id := range got {
		name := fmt.Sprint(id)
		for n, v := range b {
			if v == id {
				name = n
			}
		}
		out = append(out, name)
	}
	return "[" + strings.Join(out, " ") + "]"
}

func sameIDs(a, b []int64) bool { return slices.Equal(a, b) }
