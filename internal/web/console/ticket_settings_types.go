package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"switchboard/internal/model"
)

func (c *Console) mountTicketTypesAdmin(mux *http.ServeMux) {
	mux.Handle("GET /tickets/settings/types", c.settingsAdmin(c.typesView))
	mux.Handle("POST /tickets/settings/types", c.settingsAdmin(c.saveType))
	mux.Handle("POST /tickets/settings/types/{name}", c.settingsAdmin(c.saveType))
}

// flows are the lifecycle flows a type may use.
var flows = []string{"standard", "requirement"}

// typeForm is the add or edit form of a type, as stored or as typed.
type typeForm struct {
	Name, LabelZH, LabelEN, Flow string
	Fields                       string // JSON list of field definitions
	Error                        string
}

// typeRow is a type with its fields, and for a custom type its edit form.
type typeRow struct {
	model.TicketType
	Form typeForm
}

type typesPage struct {
	Rows     []typeRow
	New      typeForm
	Flows    []string
	FieldRef []refRow
	Saved    string // name of the type just saved
	Error    string // a refused edit of a type without an edit form (built-in, unknown)
}

func (c *Console) typesView(w http.ResponseWriter, r *http.Request) {
	c.showTypes(w, r, http.StatusOK, typesPage{Saved: r.URL.Query().Get("saved"), New: typeForm{Flow: "standard", Fields: "[]"}}, nil)
}

// showTypes lists the types; failed is a refused form (by Name; a new
// type's has Name as typed and no matching row unless taken) to show again.
func (c *Console) showTypes(w http.ResponseWriter, r *http.Request, status int, page typesPage, failed *typeForm) {
	var doc struct {
		Items []model.TicketType `json:"items"`
	}
	if err := c.callAPI(r, "GET", "/api/v1/ticket-types", nil, nil, &doc); err != nil {
		c.failAPI(w, r, err)
		return
	}
	shown := failed == nil || r.PathValue("name") == ""
	for _, t := range doc.Items {
		row := typeRow{TicketType: t}
		if !t.Builtin {
			raw, _ := json.MarshalIndent(nonNil(t.Fields), "", "  ")
			row.Form = typeForm{Name: t.Name, LabelZH: t.LabelZH, LabelEN: t.LabelEN, Flow: t.Flow, Fields: string(raw)}
			if failed != nil && r.PathValue("name") == t.Name {
				row.Form, shown = *failed, true
			}
		}
		page.Rows = append(page.Rows, row)
	}
	if !shown {
		page.Error = failed.Error
	}
	page.Flows = flows
	page.FieldRef = refs("tset.types.field", "name", "label_zh", "label_en", "kind", "options", "required")
	c.render(w, r, status, "tset_types", view{Title: "tset.types", Path: "/tickets/settings/types", Page: page})
}

// saveType creates a type (no name in the path) or replaces a custom one.
func (c *Console) saveType(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	f := typeForm{Name: strings.TrimSpace(r.PostFormValue("name")), LabelZH: strings.TrimSpace(r.PostFormValue("label_zh")),
		LabelEN: strings.TrimSpace(r.PostFormValue("label_en")), Flow: r.PostFormValue("flow"), Fields: r.PostFormValue("fields")}
	if name != "" {
		f.Name = name
	}
	fields, err := parseJSONField("fields", f.Fields)
	if err == nil {
		in := map[string]any{"name": f.Name, "label_zh": f.LabelZH, "label_en": f.LabelEN, "flow": f.Flow, "fields": fields}
		if name == "" {
			err = c.callAPI(r, "POST", "/api/v1/ticket-types", nil, in, nil)
		} else {
			err = c.callAPI(r, "PUT", "/api/v1/ticket-types/"+url.PathEscape(name), nil, in, nil)
		}
	}
	if err != nil {
		var status int
		status, f.Error = errText(err)
		page := typesPage{New: typeForm{Flow: "standard", Fields: "[]"}}
		if name == "" {
			page.New = f
		}
		c.showTypes(w, r, status, page, &f)
		return
	}
	http.Redirect(w, r, "/tickets/settings/types?saved="+url.QueryEscape(f.Name), http.StatusSeeOther)
}
