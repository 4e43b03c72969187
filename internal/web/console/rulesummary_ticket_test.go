package console

import (
	"strings"
	"testing"

	"switchboard/internal/rules"
)

// The rules page says a rule makes a ticket, with its type and factors.
func TestRuleSummaryShowsTheTicketAction(t *testing.T) {
	a := rules.Actions{Ticket: rules.TicketAction{Type: "incident", Category: "网络",
		Factors: rules.TicketFactors{UsersAffected: 5, Severity: 5, BusinessRelevance: 4, Effort: 1, StrategicFit: 3}}}
	for lang, want := range map[string]string{LangZH: "创建工单", LangEN: "Make a ticket"} {
		items := actionSummary(a, false, lang)
		if len(items) != 1 || items[0].Label != want || !strings.Contains(items[0].Value, "incident · 网络 · factors 5/5/4/1/3") {
			t.Errorf("%s: summary %+v", lang, items)
		}
	}
}
