package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// CreateOrgUnit inserts a unit and its closure rows (itself and every ancestor).
func (db *DB) CreateOrgUnit(ctx context.Context, u model.OrgUnit) (model.OrgUnit, error) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var parent any
		if u.ParentID != 0 {
			parent = u.ParentID
			var n int
			if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM org_units WHERE id = ?`), u.ParentID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("parent org unit %d: %w", u.ParentID, store.ErrNotFound)
			}
		}
		err := tx.QueryRowContext(ctx, db.q(`INSERT INTO org_units (parent_id, name, kind, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
			parent, u.Name, u.Kind, ts(u.CreatedAt)).Scan(&u.ID)
		if err != nil {
			return err
		}
		// The casts type the select-list parameters, which PostgreSQL
		// would otherwise take as text and refuse to store in BIGINT columns.
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO org_unit_paths (ancestor, descendant)
			SELECT ancestor, CAST(? AS BIGINT) FROM org_unit_paths WHERE descendant = ?
			UNION ALL SELECT CAST(? AS BIGINT), CAST(? AS BIGINT)`), u.ID, u.ParentID, u.ID, u.ID)
		return err
	})
	if err != nil {
		return model.OrgUnit{}, fmt.Errorf("create org unit %q: %w", u.Name, err)
	}
	u.CreatedAt = fromTS(ts(u.CreatedAt))
	return u, nil
}

const orgUnitCols = `id, COALESCE(parent_id, 0), name, kind, created_at`

func scanOrgUnit(row interface{ Scan(...any) error }) (model.OrgUnit, error) {
	var u model.OrgUnit
	var created int64
	err := row.Scan(&u.ID, &u.ParentID, &u.Name, &u.Kind, &created)
	u.CreatedAt = fromTS(created)
	return u, err
}

// GetOrgUnit returns one unit.
func (db *DB) GetOrgUnit(ctx context.Context, id int64) (model.OrgUnit, error) {
	u, err := scanOrgUnit(db.read.QueryRowContext(ctx, db.q(`SELECT `+orgUnitCols+` FROM org_units WHERE id = ?`), id))
	return u, notFound(err, "org unit", id)
}

// ListOrgUnits returns the whole tree, parents before children.
func (db *DB) ListOrgUnits(ctx context.Context) ([]model.OrgUnit, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+orgUnitCols+` FROM org_units ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.OrgUnit
	for rows.Next() {
		u, err := scanOrgUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Subtree returns id and all its descendants.
func (db *DB) Subtree(ctx context.Context, id int64) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT descendant FROM org_unit_paths WHERE ancestor = ? ORDER BY descendant`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("org unit %d: %w", id, store.ErrNotFound)
	}
	return out, nil
}
