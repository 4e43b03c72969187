package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/rules"
	"switchboard/internal/store"
)

// execer is what rule writes need from a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const ruleCols = `id, name, position, enabled, definition`

// scanRule reads a row; the columns win over the JSON for the fields both
// hold, since the columns are what ordering and updates act on.
func scanRule(row interface{ Scan(...any) error }) (rules.Rule, error) {
	var r rules.Rule
	var id int64
	var name, def string
	var pos int
	var enabled bool
	if err := row.Scan(&id, &name, &pos, &enabled, &def); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(def), &r); err != nil {
		return r, fmt.Errorf("rule %d: decode: %w", id, err)
	}
	r.ID, r.Name, r.Position, r.Enabled = id, name, pos, enabled
	return r, nil
}

// ListRules returns every rule by position, then id.
func (db *DB) ListRules(ctx context.Context) ([]rules.Rule, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+ruleCols+` FROM rules ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	out := []rules.Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRule returns one rule.
func (db *DB) GetRule(ctx context.Context, id int64) (rules.Rule, error) {
	r, err := scanRule(db.read.QueryRowContext(ctx, db.q(`SELECT `+ruleCols+` FROM rules WHERE id = ?`), id))
	return r, notFound(err, "rule", id)
}

// CreateRule stores r under a new id.
func (db *DB) CreateRule(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	r.ID = 0
	if err := db.insertRule(ctx, db.write, &r); err != nil {
		return rules.Rule{}, fmt.Errorf("create rule %q: %w", r.Name, err)
	}
	return r, nil
}

// insertRule inserts r, with its own id when it has one, and sets r.ID.
func (db *DB) insertRule(ctx context.Context, ex execer, r *rules.Rule) error {
	def, err := json.Marshal(r)
	if err != nil {
		return err
	}
	now := ts(time.Now())
	if r.ID != 0 {
		_, err = ex.ExecContext(ctx, db.q(`INSERT INTO rules (id, name, position, enabled, definition, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
			r.ID, r.Name, r.Position, r.Enabled, string(def), now)
		return err
	}
	return ex.QueryRowContext(ctx, db.q(`INSERT INTO rules (name, position, enabled, definition, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		r.Name, r.Position, r.Enabled, string(def), now).Scan(&r.ID)
}

// UpdateRule replaces rule r.ID whole.
func (db *DB) UpdateRule(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	def, err := json.Marshal(r)
	if err != nil {
		return r, err
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE rules SET name = ?, position = ?, enabled = ?, definition = ?, updated_at = ? WHERE id = ?`),
		r.Name, r.Position, r.Enabled, string(def), ts(time.Now()), r.ID)
	if err != nil {
		return r, fmt.Errorf("update rule %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r, fmt.Errorf("rule %d: %w", r.ID, store.ErrNotFound)
	}
	return r, nil
}

// DeleteRule removes one rule.
func (db *DB) DeleteRule(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM rules WHERE id = ?`), id)
	if err != nil {
		return fmt.Errorf("delete rule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("rule %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ReplaceRules swaps the whole list in one transaction. Rules with ids go
// in first, so on PostgreSQL the identity can be moved past them before the
// rules without one draw new ids.
func (db *DB) ReplaceRules(ctx context.Context, rs []rules.Rule) ([]rules.Rule, error) {
	out := make([]rules.Rule, len(rs))
	copy(out, rs)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.d.Lock(ctx, tx, "rules"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rules`); err != nil {
			return err
		}
		var maxID int64
		for _, withID := range []bool{true, false} {
			if !withID && maxID > 0 {
				if err := db.syncRuleIdentity(ctx, tx, maxID); err != nil {
					return err
				}
			}
			for i := range out {
				if (out[i].ID != 0) != withID {
					continue
				}
				maxID = max(maxID, out[i].ID)
				if err := db.insertRule(ctx, tx, &out[i]); err != nil {
					return fmt.Errorf("rules[%d] (%q): %w", i, out[i].Name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replace rules: %w", err)
	}
	return out, nil
}

// syncRuleIdentity moves PostgreSQL's identity to at least maxID, since
// explicit ids do not advance it and a later create would collide. It never
// moves it back (nextval inside GREATEST), so a deleted rule's id is not
// handed out again. SQLite's INTEGER PRIMARY KEY follows MAX(id) by itself.
func (db *DB) syncRuleIdentity(ctx context.Context, tx *sql.Tx, maxID int64) error {
	if db.d.Name() != "postgres" {
		return nil
	}
	_, err := tx.ExecContext(ctx, db.q(`SELECT setval(pg_get_serial_sequence('rules', 'id'),
		GREATEST(nextval(pg_get_serial_sequence('rules', 'id')), CAST(? AS BIGINT)))`), maxID)
	return err
}
