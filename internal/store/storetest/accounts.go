package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

func testOrgUnitTree(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	cases := []struct {
		name string
		id   int64
		want []int64
	}{
		{"root sees everything", o.root, []int64{o.root, o.deptA, o.teamA1, o.deptB}},
		{"department sees its team", o.deptA, []int64{o.deptA, o.teamA1}},
		{"leaf sees itself", o.teamA1, []int64{o.teamA1}},
		{"sibling department is separate", o.deptB, []int64{o.deptB}},
	}
	for _, c := range cases {
		got, err := s.Subtree(ctx, c.id)
		must(t, err)
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: Subtree(%d) = %v, want %v", c.name, c.id, got, c.want)
		}
	}
	u, err := s.GetOrgUnit(ctx, o.teamA1)
	must(t, err)
	if u.ParentID != o.deptA || u.Name != "Support L2" || u.Kind != "team" || u.CreatedAt.IsZero() {
		t.Errorf("GetOrgUnit = %+v", u)
	}
	all, err := s.ListOrgUnits(ctx)
	must(t, err)
	pos := map[int64]int{}
	for i, u := range all {
		pos[u.ID] = i
	}
	if len(all) != 4 || pos[o.root] > pos[o.deptA] || pos[o.deptA] > pos[o.teamA1] {
		t.Errorf("ListOrgUnits not parents-first: %+v", all)
	}
	_, err = s.CreateOrgUnit(ctx, model.OrgUnit{ParentID: 9999, Name: "orphan", Kind: "team"})
	wantErr(t, "create under unknown parent", err, store.ErrNotFound)
	_, err = s.GetOrgUnit(ctx, 9999)
	wantErr(t, "GetOrgUnit unknown", err, store.ErrNotFound)
	_, err = s.Subtree(ctx, 9999)
	wantErr(t, "Subtree unknown", err, store.ErrNotFound)
	if all, _ := s.ListOrgUnits(ctx); len(all) != 4 {
		t.Errorf("failed create left a unit behind: %d units", len(all))
	}
}

func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	roles := []model.RoleGrant{{Role: model.RoleAgent, OrgUnitID: o.deptA}, {Role: model.RoleAuditor, OrgUnitID: o.root}}
	u, err := s.CreateUser(ctx, model.User{Login: "alice", Name: "Alice", Email: "a@example.com", PasswordHash: "h1", Roles: roles})
	must(t, err)
	if u.ID == 0 {
		t.Fatal("CreateUser returned no id")
	}
	_, err = s.CreateUser(ctx, model.User{Login: "alice", Name: "Other"})
	wantErr(t, "duplicate login", err, store.ErrConflict)

	byLogin, err := s.GetUserByLogin(ctx, "alice")
	must(t, err)
	byID, err := s.GetUser(ctx, u.ID)
	must(t, err)
	for _, got := range []model.User{byLogin, byID} {
		if got.ID != u.ID || got.Name != "Alice" || got.Email != "a@example.com" || got.PasswordHash != "h1" || !sameGrants(got.Roles, roles) {
			t.Errorf("user roundtrip = %+v", got)
		}
	}
	_, err = s.GetUser(ctx, 9999)
	wantErr(t, "GetUser unknown", err, store.ErrNotFound)
	_, err = s.GetUserByLogin(ctx, "nobody")
	wantErr(t, "GetUserByLogin unknown", err, store.ErrNotFound)

	bob, err := s.CreateUser(ctx, model.User{Login: "bob", Name: "Bob", Disabled: true})
	must(t, err)
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Errorf("CountUsers = %d, %v; want 2", n, err)
	}
	list, err := s.ListUsers(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Login != "alice" || list[1].Login != "bob" || !list[1].Disabled || len(list[1].Roles) != 0 {
		t.Errorf("ListUsers = %+v", list)
	}

	newRoles := []model.RoleGrant{{Role: model.RoleDeptHead, OrgUnitID: o.deptB}}
	must(t, s.SetRoles(ctx, u.ID, newRoles))
	if got, _ := s.GetUser(ctx, u.ID); !sameGrants(got.Roles, newRoles) {
		t.Errorf("after SetRoles roles = %+v, want %+v", got.Roles, newRoles)
	}
	must(t, s.SetRoles(ctx, bob.ID, nil))
	wantErr(t, "SetRoles unknown user", s.SetRoles(ctx, 9999, newRoles), store.ErrNotFound)
	testSetPasswordEndsSessions(t, s, u.ID, bob.ID)
}

func testSetPasswordEndsSessions(t *testing.T, s store.Store, alice, bob int64) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	must(t, s.CreateSession(ctx, model.Session{Hash: []byte("alice-1"), UserID: alice, ExpiresAt: exp}))
	must(t, s.CreateSession(ctx, model.Session{Hash: []byte("alice-2"), UserID: alice, ExpiresAt: exp}))
	must(t, s.CreateSession(ctx, model.Session{Hash: []byte("bob-1"), UserID: bob, ExpiresAt: exp}))
	must(t, s.SetPassword(ctx, alice, "h2"))
	if got, _ := s.GetUser(ctx, alice); got.PasswordHash != "h2" {
		t.Errorf("password hash = %q, want h2", got.PasswordHash)
	}
	for _, h := range []string{"alice-1", "alice-2"} {
		_, err := s.LookupSession(ctx, []byte(h))
		wantErr(t, "session "+h+" after password change", err, store.ErrNotFound)
	}
	if _, err := s.LookupSession(ctx, []byte("bob-1")); err != nil {
		t.Errorf("another user's session ended too: %v", err)
	}
	wantErr(t, "SetPassword unknown user", s.SetPassword(ctx, 9999, "x"), store.ErrNotFound)
}

func sameGrants(a, b []model.RoleGrant) bool {
	key := func(g model.RoleGrant) string { return fmt.Sprintf("%s@%d", g.Role, g.OrgUnitID) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, g := range a {
		ka[i] = key(g)
	}
	for i, g := range b {
		kb[i] = key(g)
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

func testTokensAndSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	u, err := s.CreateUser(ctx, model.User{Login: "svc", Name: "Service"})
	must(t, err)
	exp := base.Add(24 * time.Hour)
	for _, want := range []model.APIToken{
		{UserID: u.ID, Name: "forever", Hash: []byte{1, 2, 3}},
		{UserID: u.ID, Name: "daily", Hash: []byte{4, 5, 6}, ExpiresAt: exp},
	} {
		tok, err := s.CreateToken(ctx, want)
		must(t, err)
		got, err := s.LookupToken(ctx, want.Hash)
		must(t, err)
		if got.ID != tok.ID || got.UserID != u.ID || got.Name != want.Name || !bytes.Equal(got.Hash, want.Hash) ||
			!got.ExpiresAt.Equal(want.ExpiresAt) || got.CreatedAt.IsZero() {
			t.Errorf("token %s roundtrip = %+v", want.Name, got)
		}
	}
	_, err = s.LookupToken(ctx, []byte{9, 9})
	wantErr(t, "LookupToken unknown", err, store.ErrNotFound)

	sess := model.Session{Hash: []byte("cookie-hash"), UserID: u.ID, ExpiresAt: exp}
	must(t, s.CreateSession(ctx, sess))
	got, err := s.LookupSession(ctx, sess.Hash)
	must(t, err)
	if got.UserID != u.ID || !got.ExpiresAt.Equal(exp) || !bytes.Equal(got.Hash, sess.Hash) {
		t.Errorf("session roundtrip = %+v", got)
	}
	must(t, s.DeleteSession(ctx, sess.Hash))
	_, err = s.LookupSession(ctx, sess.Hash)
	wantErr(t, "LookupSession after delete", err, store.ErrNotFound)
}
