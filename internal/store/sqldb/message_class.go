package sqldb

import (
	"context"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// classified reports whether a rule gave m anything message_class keeps.
func classified(m *model.Message) bool {
	return m.Category != "" || m.Priority != "" || m.RetentionClass != "" || m.Confidential
}

// classes stores what the annotator decided beyond tags, one row per
// classified message of the batch; unclassified messages cost nothing.
func (w *msgWriter) classes(fresh []model.Message) error {
	var rows []any
	for i := range fresh {
		if m := &fresh[i]; classified(m) {
			rows = append(rows, m.ID, m.Category, m.Priority, m.RetentionClass, boolInt(m.Confidential))
		}
	}
	return chunked(rows, func(args []any) error {
		_, err := w.tx.ExecContext(w.ctx, w.db.d.Rebind(`INSERT INTO message_class (message_id, category, priority, retention_class, confidential) VALUES `+
			ValuesSQL(len(args)/5, "(?, ?, ?, ?, ?)")+` ON CONFLICT (message_id) DO NOTHING`), args...)
		return err
	}, 5)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// secretClause hides confidential messages (m) outside the scope's Secret
// units; it is part of every message query's scope.
func secretClause(s store.Scope) (string, []any) {
	const hidden = `NOT EXISTS (SELECT 1 FROM message_class mc WHERE mc.message_id = m.id AND mc.confidential = 1)`
	if s.All {
		return "1=1", nil
	}
	if len(s.Secret) == 0 {
		return hidden, nil
	}
	cond, args := scopeClause("m.org_unit_id", store.Scope{Units: s.Secret})
	return "(" + hidden + " OR " + cond + ")", args
}

// addClassFilters narrows w by the filter's category, priority and confidential flag.
func (w *where) addClassFilters(f store.MessageFilter) {
	if f.Category != "" {
		w.add("m.id IN (SELECT message_id FROM message_class WHERE category = ?)", f.Category)
	}
	if f.Priority != "" {
		w.add("m.id IN (SELECT message_id FROM message_class WHERE priority = ?)", f.Priority)
	}
	if f.Confidential != nil {
		cond := "m.id IN (SELECT message_id FROM message_class WHERE confidential = 1)"
		if !*f.Confidential {
			cond = "NOT " + cond
		}
		w.add(cond)
	}
}

// loadClasses fills the class fields of ms from message_class.
func (db *DB) loadClasses(ctx context.Context, ms []model.Message) error {
	if len(ms) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		idx[m.ID] = i
		args[i] = m.ID
	}
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(`SELECT message_id, category, priority, retention_class, confidential
		FROM message_class WHERE message_id IN (`+placeholders(len(args))+`)`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var conf int
		var c model.Message
		if err := rows.Scan(&id, &c.Category, &c.Priority, &c.RetentionClass, &conf); err != nil {
			return err
		}
		m := &ms[idx[id]]
		m.Category, m.Priority, m.RetentionClass, m.Confidential = c.Category, c.Priority, c.RetentionClass, conf == 1
	}
	return rows.Err()
}
