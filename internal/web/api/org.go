package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

func (a *API) listOrgUnits(w http.ResponseWriter, r *http.Request) {
	units, err := a.Store.ListOrgUnits(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": units})
}

func (a *API) createOrgUnit(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "org_unit.create") {
		return
	}
	var req struct {
		ParentID int64  `json:"parent_id"`
		Name     string `json:"name"`
		Kind     string `json:"kind"`
	}
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" || req.ParentID == 0 {
		a.fail(w, r, errcode.MissingField.With("name and parent_id"))
		return
	}
	if req.Kind == "" {
		req.Kind = "department"
	}
	u, err := a.Store.CreateOrgUnit(r.Context(), model.OrgUnit{ParentID: req.ParentID, Name: req.Name, Kind: req.Kind})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "org_unit.create", "org_unit:"+strconv.FormatInt(u.ID, 10), true, u.Name)
	writeJSON(w, http.StatusCreated, u)
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "user.list") {
		return
	}
	users, err := a.Store.ListUsers(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": users})
}

type createUserRequest struct {
	Login    string            `json:"login"`
	Name     string            `json:"name"`
	Email    string            `json:"email"`
	Password string            `json:"password"`
	Roles    []model.RoleGrant `json:"roles"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	if !a.requireAdmin(w, r, "user.create") {
		return
	}
	var req createUserRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Login == "" || len(req.Password) < 8 {
		a.fail(w, r, errcode.InvalidRequest.With("login is required and password needs at least 8 characters"))
		return
	}
	for _, g := range req.Roles {
		if !g.Role.Valid() {
			a.fail(w, r, errcode.InvalidRequest.With("unknown role %q", g.Role))
			return
		}
		if _, err := a.Store.GetOrgUnit(r.Context(), g.OrgUnitID); err != nil {
			a.fail(w, r, errcode.InvalidRequest.With("org unit %d does not exist", g.OrgUnitID))
			return
		}
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Name == "" {
		req.Name = req.Login
	}
	u, err := a.Store.CreateUser(r.Context(), model.User{Login: req.Login, Name: req.Name, Email: req.Email, PasswordHash: hash, Roles: req.Roles})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "user.create", "user:"+u.Login, true, "")
	writeJSON(w, http.StatusCreated, u)
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if p := principal(r); p.User.ID != id && !a.requireAdmin(w, r, "token.create") {
		return
	}
	var req struct {
		Name string `json:"name"`
		TTL  string `json:"ttl"`
	}
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	var ttl time.Duration
	if req.TTL != "" {
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl < 0 {
			a.fail(w, r, errcode.InvalidRequest.With("ttl: want a duration such as 720h"))
			return
		}
	}
	if _, err := a.Store.GetUser(r.Context(), id); err != nil {
		a.fail(w, r, err)
		return
	}
	secret, t, err := auth.CreateToken(r.Context(), a.Store, id, req.Name, ttl)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.Audit.Record(r, "token.create", "user:"+strconv.FormatInt(id, 10), true, req.Name)
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "expires_at": t.ExpiresAt})
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Admin() && !p.Has(model.RoleAuditor) {
		a.Audit.Deny(r, "audit.read", "audit", "admin or auditor role required")
		a.fail(w, r, errcode.Forbidden)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	entries, err := a.Store.ListAudit(r.Context(), limit, r.URL.Query().Get("denied") == "true")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": entries})
}

func (a *API) listErrors(w http.ResponseWriter, r *http.Request) {
	type row struct {
		Code    string `json:"code"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	var out []row
	for _, e := range errcode.All() {
		out = append(out, row{e.Code, e.Status, e.Message})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}
