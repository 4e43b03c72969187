package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"switchboard/internal/model"
	"switchboard/internal/ticket"
)

func ticketPath(id int64, rest string) string { return fmt.Sprintf("/api/v1/tickets/%d%s", id, rest) }

func (d serviceDesk) detail(t *testing.T, id int64) ticket.Detail {
	t.Helper()
	var dt ticket.Detail
	if st := d.n.Do("GET", ticketPath(id, ""), d.agentToken, nil, &dt); st != http.StatusOK {
		t.Fatalf("get ticket %d: %d", id, st)
	}
	return dt
}

func (d serviceDesk) mustCreate(t *testing.T, token string, body map[string]any) model.Ticket {
	t.Helper()
	st, tk := d.create(t, token, body)
	if st != http.StatusCreated {
		t.Fatalf("create %v: %d", body, st)
	}
	return tk
}

// An agent splits a second request out of a ticket, then merges a repeat
// by hand; every impossible merge or split is refused with its own code,
// and another department's agent is refused and audited.
func TestMergeAndSplitTickets(t *testing.T) {
	d := newServiceDesk(t)
	invoice := d.post(t, "m2", "cust-1", "另外 发票什么时候开")
	printer := d.post(t, "m3", "cust-2", "打印机卡纸")
	a := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID, invoice.ID}})
	b := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{printer.ID}})

	wantCode(t, d.n, "POST", ticketPath(a.ID, "/split"), d.agentToken, map[string]any{"source_message_ids": []int64{}}, http.StatusBadRequest, "SB-1007")
	wantCode(t, d.n, "POST", ticketPath(a.ID, "/split"), d.agentToken, map[string]any{"source_message_ids": []int64{printer.ID}}, http.StatusUnprocessableEntity, "SB-2135")
	wantCode(t, d.n, "POST", ticketPath(a.ID, "/split"), d.agentToken, map[string]any{"source_message_ids": []int64{d.msg.ID, invoice.ID}}, http.StatusUnprocessableEntity, "SB-2135")
	var split model.Ticket
	if st := d.n.Do("POST", ticketPath(a.ID, "/split"), d.agentToken, map[string]any{"source_message_ids": []int64{invoice.ID}, "type": "requirement"}, &split); st != http.StatusCreated {
		t.Fatalf("split: %d", st)
	}
	ds, da := d.detail(t, split.ID), d.detail(t, a.ID)
	if ds.Type != "requirement" || ds.Title != "另外 发票什么时候开" || ds.Requester.PersonID != a.Requester.PersonID ||
		len(ds.Sources) != 1 || ds.Sources[0].MessageID != invoice.ID || len(da.Sources) != 1 || da.Sources[0].MessageID != d.msg.ID {
		t.Fatalf("split %s: type %s title %q requester %d sources %+v; original keeps %+v", ds.Key, ds.Type, ds.Title, ds.Requester.PersonID, ds.Sources, da.Sources)
	}
	if last := da.History[len(da.History)-1]; last.Field != "split" || last.To != split.Key {
		t.Errorf("original's history ends %+v, want the split to %s", last, split.Key)
	}

	wantCode(t, d.n, "POST", ticketPath(b.ID, "/merge"), d.agentToken, map[string]any{"into": b.ID}, http.StatusConflict, "SB-2131")
	wantCode(t, d.n, "POST", ticketPath(b.ID, "/merge"), d.agentToken, map[string]any{}, http.StatusBadRequest, "SB-1007")
	wantCode(t, d.n, "POST", ticketPath(b.ID, "/merge"), d.agentToken, map[string]any{"into": 99999}, http.StatusNotFound, "SB-2001")
	var merged ticket.Detail
	if st := d.n.Do("POST", ticketPath(b.ID, "/merge"), d.agentToken, map[string]any{"into": a.ID}, &merged); st != http.StatusOK {
		t.Fatalf("merge: %d", st)
	}
	if merged.Status != model.TicketClosed || merged.DuplicateOf == nil || merged.DuplicateOf.Key != a.Key || merged.DuplicateOf.LinkedBy != d.agentID {
		t.Fatalf("merged %s: status %s, duplicate_of %+v", b.Key, merged.Status, merged.DuplicateOf)
	}
	if m := d.detail(t, a.ID).Mentions; m.Count != 2 || len(m.People) != 2 {
		t.Errorf("%s mentions after the merge = %+v, want 2 by 2 people", a.Key, m)
	}
	wantCode(t, d.n, "POST", ticketPath(a.ID, "/merge"), d.agentToken, map[string]any{"into": b.ID}, http.StatusConflict, "SB-2132")
	wantCode(t, d.n, "POST", ticketPath(b.ID, "/merge"), d.agentToken, map[string]any{"into": split.ID}, http.StatusConflict, "SB-2133")
	closed := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "title": "旧问题", "org_unit_id": d.unit})
	for _, to := range []string{"resolved", "closed"} {
		d.n.Do("POST", ticketPath(closed.ID, "/transitions"), d.agentToken, map[string]any{"to": to}, nil)
	}
	wantCode(t, d.n, "POST", ticketPath(split.ID, "/merge"), d.agentToken, map[string]any{"into": closed.ID}, http.StatusConflict, "SB-2134")

	sales := d.n.CreateOrgUnit(1, "销售部")
	_, salesAgent := d.n.CreateUser("wang", "agent", sales)
	theirs := d.mustCreate(t, salesAgent, map[string]any{"type": "incident", "title": "报价单", "org_unit_id": sales})
	wantCode(t, d.n, "POST", ticketPath(split.ID, "/merge"), salesAgent, map[string]any{"into": theirs.ID}, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", ticketPath(split.ID, "/merge"), d.agentToken, map[string]any{"into": theirs.ID}, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "POST", ticketPath(a.ID, "/split"), salesAgent, map[string]any{"source_message_ids": []int64{d.msg.ID}}, http.StatusForbidden, "SB-3003")
	var audit struct{ Items []model.AuditEntry }
	d.n.Do("GET", "/api/v1/audit?denied=true", d.n.Token, nil, &audit)
	denied := map[string]int{}
	for _, e := range audit.Items {
		if !e.Allowed && (e.Action == "ticket.merge" || e.Action == "ticket.split") {
			denied[e.Login+" "+e.Action]++
		}
	}
	if denied["wang ticket.merge"] != 1 || denied["li ticket.merge"] != 1 || denied["wang ticket.split"] != 1 {
		t.Errorf("denied merges and splits in the audit trail = %v", denied)
	}
}

// With a high link threshold a repeat is only suggested; the agent
// dismisses one suggestion and accepts another. Settings are the admin's.
func TestDuplicateSuggestionsAndSettings(t *testing.T) {
	d := newServiceDesk(t)
	settings := map[string]any{"enabled": true, "suggest": 0.3, "link": 0.99, "window_days": 30, "candidates": 100, "types": []string{"incident"}}
	wantCode(t, d.n, "PUT", "/api/v1/ticket-duplicates", d.agentToken, settings, http.StatusForbidden, "SB-3003")
	wantCode(t, d.n, "PUT", "/api/v1/ticket-duplicates", d.n.Token, map[string]any{"suggest": 0.8, "link": 0.5, "window_days": 30, "candidates": 100}, http.StatusUnprocessableEntity, "SB-2130")
	wantCode(t, d.n, "PUT", "/api/v1/ticket-duplicates", d.n.Token, map[string]any{"suggest": 0.3, "link": 0.9, "window_days": 30, "candidates": 100, "types": []string{"nope"}}, http.StatusUnprocessableEntity, "SB-2130")
	if st := d.n.Do("PUT", "/api/v1/ticket-duplicates", d.n.Token, settings, nil); st != http.StatusOK {
		t.Fatalf("put settings: %d", st)
	}
	var got struct {
		model.DuplicateSettings
		Default bool `json:"default"`
	}
	if d.n.Do("GET", "/api/v1/ticket-duplicates", d.agentToken, nil, &got); got.Link != 0.99 || got.Default {
		t.Fatalf("settings read back = %+v", got)
	}

	a := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{d.msg.ID}})
	m2 := d.post(t, "m2", "cust-2", "我的设备也连不上网，急")
	b := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{m2.ID}})
	db := d.detail(t, b.ID)
	if b.Status != model.TicketAccepted || len(db.Suggestions) != 1 || db.Suggestions[0].Key != a.Key || db.Suggestions[0].Score < 0.3 {
		t.Fatalf("%s: status %s, suggestions %+v; want open with %s suggested", b.Key, b.Status, db.Suggestions, a.Key)
	}
	path := ticketPath(b.ID, fmt.Sprintf("/duplicate-suggestions/%d", a.ID))
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]any{"decision": "maybe"}, http.StatusUnprocessableEntity, "SB-2137")
	if st := d.n.Do("POST", path, d.agentToken, map[string]any{"decision": "dismiss"}, nil); st != http.StatusOK {
		t.Fatalf("dismiss: %d", st)
	}
	if s := d.detail(t, b.ID).Suggestions; len(s) != 0 {
		t.Fatalf("after dismissing: %+v", s)
	}
	wantCode(t, d.n, "POST", path, d.agentToken, map[string]any{"decision": "accept"}, http.StatusNotFound, "SB-2136")

	m3 := d.post(t, "m3", "cust-3", "设备又连不上网了")
	c := d.mustCreate(t, d.agentToken, map[string]any{"type": "incident", "source_message_ids": []int64{m3.ID}})
	var after ticket.Detail
	if st := d.n.Do("POST", ticketPath(c.ID, fmt.Sprintf("/duplicate-suggestions/%d", a.ID)), d.agentToken, map[string]any{"decision": "accept"}, &after); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	if after.Status != model.TicketClosed || after.DuplicateOf == nil || after.DuplicateOf.TicketID != a.ID || len(after.Suggestions) != 0 {
		t.Fatalf("accepted %s: status %s duplicate_of %+v suggestions %+v", c.Key, after.Status, after.DuplicateOf, after.Suggestions)
	}
}

// Tickets an agent types without a requester are never merged on their
// own, however alike: the repeat is only suggested.
func TestTicketWithoutRequesterIsOnlySuggested(t *testing.T) {
	d := newServiceDesk(t)
	in := map[string]any{"type": "incident", "title": "机房空调告警", "org_unit_id": d.unit}
	first := d.mustCreate(t, d.agentToken, in)
	second := d.mustCreate(t, d.agentToken, in)
	got := d.detail(t, second.ID)
	if got.Status != model.TicketAccepted || got.DuplicateOf != nil || len(got.Suggestions) != 1 || got.Suggestions[0].CandidateID != first.ID {
		t.Fatalf("second %s: status %s, duplicate_of %+v, suggestions %+v; want open with %s suggested", second.Key, got.Status, got.DuplicateOf, got.Suggestions, first.Key)
	}
}
