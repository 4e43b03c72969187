package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/internal/model"
)

// UnitChains returns every org unit's fallback chain by unit id; 0 is the
// default. The table holds a row per configured unit, so it is read whole.
func (db *DB) UnitChains(ctx context.Context) (map[int64][]model.NotifyHop, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT org_unit_id, chain FROM unit_notify_chains`)
	if err != nil {
		return nil, fmt.Errorf("unit chains: %w", err)
	}
	defer rows.Close()
	out := map[int64][]model.NotifyHop{}
	for rows.Next() {
		var unit int64
		var raw string
		if err := rows.Scan(&unit, &raw); err != nil {
			return nil, err
		}
		var chain []model.NotifyHop
		if err := json.Unmarshal([]byte(raw), &chain); err != nil {
			return nil, fmt.Errorf("chain of unit %d: %w", unit, err)
		}
		out[unit] = chain
	}
	return out, rows.Err()
}

// SetUnitChain stores a unit's chain (0: the default); an empty chain
// removes it, so the unit falls back to its parent's.
func (db *DB) SetUnitChain(ctx context.Context, unit int64, chain []model.NotifyHop) error {
	var err error
	if len(chain) == 0 {
		_, err = db.write.ExecContext(ctx, db.q(`DELETE FROM unit_notify_chains WHERE org_unit_id = ?`), unit)
	} else {
		raw, _ := json.Marshal(chain)
		_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO unit_notify_chains (org_unit_id, chain, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (org_unit_id) DO UPDATE SET chain = excluded.chain, updated_at = excluded.updated_at`),
			unit, string(raw), ts(time.Now()))
	}
	if err != nil {
		return fmt.Errorf("set chain of unit %d: %w", unit, err)
	}
	return nil
}
