package ticket

import (
	"errors"
	"strings"
	"testing"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

var allStatuses = []model.TicketStatus{model.TicketAccepted, model.TicketInProgress, model.TicketWaiting,
	model.TicketResolved, model.TicketClosed, model.TicketCancelled, model.TicketConfirmed}

// TestTransitionTable checks every (from, to) pair of both flows against the
// lifecycle spelled out here as a user would describe it.
func TestTransitionTable(t *testing.T) {
	want := map[string]map[model.TicketStatus]string{
		model.FlowStandard: {
			model.TicketAccepted:   "in_progress waiting resolved cancelled",
			model.TicketInProgress: "waiting resolved cancelled",
			model.TicketWaiting:    "in_progress resolved cancelled",
			model.TicketResolved:   "closed in_progress",
		},
		model.FlowRequirement: {
			model.TicketAccepted:   "confirmed waiting cancelled",
			model.TicketWaiting:    "accepted confirmed cancelled",
			model.TicketConfirmed:  "in_progress resolved cancelled",
			model.TicketInProgress: "resolved cancelled",
			model.TicketResolved:   "closed in_progress",
		},
	}
	for flow, rows := range want {
		for _, from := range allStatuses {
			allowed := strings.Fields(rows[from])
			for _, to := range allStatuses {
				ok := false
				for _, a := range allowed {
					ok = ok || a == string(to)
				}
				err := CheckTransition(flow, from, to, "because")
				switch {
				case ok && err != nil:
					t.Errorf("%s: %s → %s refused: %v", flow, from, to, err)
				case !ok && !errors.Is(err, errcode.BadTransition):
					t.Errorf("%s: %s → %s = %v, want %s", flow, from, to, err, errcode.BadTransition.Code)
				case !ok && (!strings.Contains(err.Error(), string(from)) || !strings.Contains(err.Error(), string(to))):
					t.Errorf("%s: refusal %q does not name both states", flow, err)
				}
			}
		}
	}
}

func TestTransitionRefusalNamesStates(t *testing.T) {
	err := CheckTransition(model.FlowStandard, model.TicketClosed, model.TicketInProgress, "x")
	var e *errcode.Error
	if !errors.As(err, &e) || e.Status != 409 {
		t.Fatalf("closed → in_progress = %v, want a 409 catalogue error", err)
	}
	for _, want := range []string{"closed (已关闭)", "in_progress (处理中)", "is final"} {
		if !strings.Contains(e.Detail, want) {
			t.Errorf("detail %q lacks %q", e.Detail, want)
		}
	}
	err = CheckTransition(model.FlowStandard, model.TicketResolved, model.TicketWaiting, "")
	if !strings.Contains(err.Error(), "allowed: closed (已关闭), in_progress (处理中)") {
		t.Errorf("refusal %q does not list what is allowed", err)
	}
}

func TestTransitionReasons(t *testing.T) {
	cases := []struct {
		flow     string
		from, to model.TicketStatus
		reason   string
		want     *errcode.Error
	}{
		{model.FlowRequirement, model.TicketAccepted, model.TicketCancelled, "", errcode.ReasonRequired},
		{model.FlowRequirement, model.TicketAccepted, model.TicketCancelled, "  ", errcode.ReasonRequired},
		{model.FlowRequirement, model.TicketAccepted, model.TicketCancelled, "不在规划内", nil},
		{model.FlowStandard, model.TicketResolved, model.TicketInProgress, "", errcode.ReasonRequired},
		{model.FlowStandard, model.TicketResolved, model.TicketInProgress, "没解决", nil},
		{model.FlowStandard, model.TicketInProgress, model.TicketResolved, "", nil},
	}
	for _, c := range cases {
		err := CheckTransition(c.flow, c.from, c.to, c.reason)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s %s → %s reason %q: %v, want %v", c.flow, c.from, c.to, c.reason, err, c.want)
		}
	}
}
