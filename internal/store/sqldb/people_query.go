package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

const personCols = `p.id, p.name, p.email, p.mobile, p.department, COALESCE(p.org_unit_id, 0), COALESCE(p.linked_to, 0), p.link_manual, p.created_at`

const identityCols = `i.id, i.person_id, i.channel_id, i.external_id, i.name, i.profile_name, i.department, i.email,
	i.email_verified, i.mobile, i.mobile_verified, i.profile_state`

// groupInScope is a condition on a primary person (the SQL expression
// primary): one identity of its group is on a channel in scope.
func groupInScope(primary string, scope store.Scope) (string, []any) {
	cond, args := scopeClause("c.org_unit_id", scope)
	return `EXISTS (SELECT 1 FROM people m JOIN identities i ON i.person_id = m.id JOIN channels c ON c.id = i.channel_id
		WHERE (m.id = ` + primary + ` OR m.linked_to = ` + primary + `) AND ` + cond + `)`, args
}

func scanPerson(row interface{ Scan(...any) error }) (model.Person, error) {
	var p model.Person
	var created int64
	err := row.Scan(&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Department, &p.OrgUnitID, &p.LinkedTo, &p.Manual, &created)
	p.CreatedAt = fromTS(created)
	return p, err
}

func scanIdentity(row interface{ Scan(...any) error }) (model.Identity, error) {
	var i model.Identity
	err := row.Scan(&i.ID, &i.PersonID, &i.ChannelID, &i.ExternalID, &i.Name, &i.ProfileName, &i.Department, &i.Email,
		&i.EmailVerified, &i.Mobile, &i.MobileVerified, &i.ProfileState)
	return i, err
}

// GetIdentity returns one identity.
func (db *DB) GetIdentity(ctx context.Context, id int64) (model.Identity, error) {
	i, err := scanIdentity(db.read.QueryRowContext(ctx, db.q(`SELECT `+identityCols+` FROM identities i WHERE i.id = ?`), id))
	return i, notFound(err, "identity", id)
}

// GetLinkedPerson returns id's primary person, completed from the people
// linked into it, with the whole group's identities.
func (db *DB) GetLinkedPerson(ctx context.Context, scope store.Scope, id int64) (model.Person, []model.Identity, error) {
	pid, err := primaryOf(ctx, db.read, db, id)
	if err != nil {
		return model.Person{}, nil, err
	}
	cond, args := groupInScope("?", scope)
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+personCols+` FROM people p
		WHERE (p.id = ? OR p.linked_to = ?) AND `+cond+` ORDER BY p.id`), append([]any{pid, pid, pid, pid}, args...)...)
	if err != nil {
		return model.Person{}, nil, err
	}
	var group []model.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return model.Person{}, nil, err
		}
		group = append(group, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return model.Person{}, nil, err
	}
	if len(group) == 0 {
		return model.Person{}, nil, fmt.Errorf("person %d: %w", id, store.ErrNotFound)
	}
	ids, err := db.groupIdentities(ctx, pid)
	if err != nil {
		return model.Person{}, nil, err
	}
	return merge(group, ids), ids, nil
}

// groupIdentities lists the identities of primary's group, primary's first.
func (db *DB) groupIdentities(ctx context.Context, primary int64) ([]model.Identity, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+identityCols+` FROM identities i JOIN people p ON p.id = i.person_id
		WHERE p.id = ? OR p.linked_to = ? ORDER BY CASE WHEN p.id = ? THEN 0 ELSE 1 END, i.id`), primary, primary, primary)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.Identity{}
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// merge is the primary person (group[0], ordered by id with the primary
// first) with blank fields filled from the others, and the name a
// directory gave in preference to a callback's.
func merge(group []model.Person, ids []model.Identity) model.Person {
	p := group[0]
	for _, g := range group {
		if g.ID == cmp.Or(p.LinkedTo, p.ID) {
			p = g
		}
	}
	for _, g := range group {
		p.Email, p.Mobile, p.Department = cmp.Or(p.Email, g.Email), cmp.Or(p.Mobile, g.Mobile), cmp.Or(p.Department, g.Department)
	}
	for _, i := range ids {
		if i.ProfileName != "" {
			p.Name = i.ProfileName
			break
		}
	}
	return p
}

// ListPeople lists primary people with an identity in scope, newest first.
func (db *DB) ListPeople(ctx context.Context, scope store.Scope, f store.PeopleFilter) ([]model.Person, error) {
	cond, args := groupInScope("p.id", scope)
	where := []string{"p.linked_to IS NULL", cond}
	if f.Before > 0 {
		where = append(where, "p.id < ?")
		args = append(args, f.Before)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
		where = append(where, `EXISTS (SELECT 1 FROM people m WHERE (m.id = p.id OR m.linked_to = p.id)
			AND (LOWER(m.name) LIKE ? ESCAPE '\' OR LOWER(m.email) LIKE ? ESCAPE '\' OR m.mobile LIKE ? ESCAPE '\'))`)
		args = append(args, like, like, like)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT `+personCols+` FROM people p WHERE `+strings.Join(where, " AND ")+
		` ORDER BY p.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	defer rows.Close()
	out := []model.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
