package console

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func (c *Console) mountTicketAgents(mux *http.ServeMux) {
	mux.Handle("GET /tickets/settings/agents", c.settingsAdmin(c.agentsView))
	mux.Handle("POST /tickets/settings/agents/{id}/capacity", c.settingsAdmin(c.saveCapacity))
}

// capacityStatuses are the statuses an agent's load counts (as assignment does).
var capacityStatuses = []model.TicketStatus{model.TicketAccepted, model.TicketInProgress, model.TicketWaiting}

// agentRow is one agent as the table shows them.
type agentRow struct {
	ID          int64
	Name, Login string
	Teams       string
	Available   bool
	Open        int
	Capacity    int  // own capacity; 0 uses the default
	Effective   int  // what assignment uses
	Full        bool // at or above capacity
	Typed       string
	Error       string // the API's refusal of this row's capacity
}

type agentsPage struct {
	Rows            []agentRow
	DefaultCapacity int
	Saved           string // login of the agent whose capacity was just saved
}

func (c *Console) agentsView(w http.ResponseWriter, r *http.Request) {
	c.showAgents(w, r, http.StatusOK, agentsPage{Saved: r.URL.Query().Get("saved")}, 0, "", "")
}

// showAgents renders the agents table; failedID's row shows errText and
// keeps the capacity typed.
func (c *Console) showAgents(w http.ResponseWriter, r *http.Request, status int, page agentsPage, failedID int64, typed, errText string) {
	var routing model.TicketRouting
	if err := c.callAPI(r, "GET", "/api/v1/ticket-routing", nil, nil, &routing); err != nil {
		c.failAPI(w, r, err)
		return
	}
	page.DefaultCapacity = routing.DefaultCapacity
	rows, err := c.agentRows(r, routing.DefaultCapacity)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for i := range rows {
		rows[i].Typed = strconv.Itoa(rows[i].Capacity)
		if rows[i].ID == failedID {
			rows[i].Typed, rows[i].Error = typed, errText
		}
	}
	page.Rows = rows
	c.render(w, r, status, "tset_agents", view{Title: "tset.agents", Path: "/tickets/settings/agents", Page: page})
}

// agentRows lists the enabled users holding the agent role with their
// teams, availability and load. Only admins reach this page, so it reads
// the store unscoped.
func (c *Console) agentRows(r *http.Request, defCap int) ([]agentRow, error) {
	ctx := r.Context()
	users, err := c.api.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	units, err := c.unitNames(r)
	if err != nil {
		return nil, err
	}
	var rows []agentRow
	for _, u := range users {
		if u.Disabled || !slices.ContainsFunc(u.Roles, func(g model.RoleGrant) bool { return g.Role == model.RoleAgent }) {
			continue
		}
		row := agentRow{ID: u.ID, Name: u.Name, Login: u.Login}
		ag, err := c.api.Store.TicketAgent(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		teams, err := c.api.Store.AgentTeams(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		open, err := c.api.Store.ListTickets(ctx, store.TicketScope{All: true},
			store.TicketFilter{Status: capacityStatuses, AssigneeID: u.ID, Limit: 1000})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, t := range teams {
			names = append(names, units[t])
		}
		row.Teams, row.Available, row.Open, row.Capacity = strings.Join(names, "、"), ag.Available, len(open), ag.Capacity
		row.Effective = cmp.Or(ag.Capacity, defCap)
		row.Full = row.Open >= row.Effective
		rows = append(rows, row)
	}
	return rows, nil
}

// saveCapacity sets one agent's capacity through the API.
func (c *Console) saveCapacity(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	typed := strings.TrimSpace(r.PostFormValue("capacity"))
	nums, err := formNumbers(r, false, "capacity")
	var ag model.TicketAgent
	if err == nil {
		err = c.callAPI(r, "PUT", "/api/v1/ticket-agents/"+r.PathValue("id")+"/capacity", nil, nums, &ag)
	}
	if err != nil {
		status, msg := errText(err)
		c.showAgents(w, r, status, agentsPage{}, id, typed, msg)
		return
	}
	http.Redirect(w, r, "/tickets/settings/agents?saved="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
