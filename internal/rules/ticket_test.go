package rules

import (
	"strings"
	"testing"
)

func TestTicketActionValidation(t *testing.T) {
	full := TicketFactors{UsersAffected: 5, Severity: 5, BusinessRelevance: 4, Effort: 1, StrategicFit: 3}
	cases := []struct {
		name  string
		a     Actions
		field string // "" for valid
	}{
		{"type only", Actions{Ticket: TicketAction{Type: "incident"}}, ""},
		{"with factors", Actions{Ticket: TicketAction{Type: "incident", Factors: full}}, ""},
		{"no type", Actions{Ticket: TicketAction{Category: "网络"}}, "actions.ticket.type"},
		{"factor 0 among others", Actions{Ticket: TicketAction{Type: "incident", Factors: TicketFactors{Severity: 5}}}, "actions.ticket.factors.users_affected"},
		{"factor 6", Actions{Ticket: TicketAction{Type: "incident", Factors: TicketFactors{6, 5, 5, 1, 5}}}, "actions.ticket.factors.users_affected"},
		{"negative team", Actions{Ticket: TicketAction{Type: "incident", TeamID: -1}}, "actions.ticket.team_id"},
		{"with a task", Actions{Ticket: TicketAction{Type: "incident"}, Task: Task{Title: "跟进", Deadline: Duration(3600e9)}}, "actions.ticket"},
	}
	for _, c := range cases {
		err := Validate(Rule{Name: "r", Enabled: true, Actions: c.a})
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (err == nil || !strings.Contains(err.Error(), c.field)):
			t.Errorf("%s: %v, want an error at %s", c.name, err, c.field)
		}
	}
}

// The first rule that asks for a ticket decides it; YAML carries the action.
func TestTicketActionMergesAndRoundTrips(t *testing.T) {
	o := Merge([]Match{{Actions: Actions{Tags: []string{"x"}}}, {Actions: Actions{Ticket: TicketAction{Type: "incident"}}},
		{Actions: Actions{Ticket: TicketAction{Type: "feedback"}}}})
	if o.Ticket == nil || o.Ticket.Type != "incident" {
		t.Fatalf("merged ticket %+v, want the first rule's incident", o.Ticket)
	}
	doc := "rules:\n  - name: 断网\n    conditions:\n      keywords:\n        any: [连不上网]\n    actions:\n      ticket:\n        type: incident\n        category: 网络\n        factors: {users_affected: 5, severity: 5, business_relevance: 5, effort: 1, strategic_fit: 5}\n"
	rs, err := UnmarshalYAML([]byte(doc))
	if err != nil || len(rs) != 1 || rs[0].Actions.Ticket.Factors.Severity != 5 || rs[0].Actions.Ticket.Category != "网络" {
		t.Fatalf("yaml: %+v, %v", rs, err)
	}
	out, err := MarshalYAML(rs)
	if err != nil || !strings.Contains(string(out), "ticket:") || !strings.Contains(string(out), "strategic_fit: 5") {
		t.Fatalf("marshal: %s, %v", out, err)
	}
}
