package copy

import (
	"context"
	"database/sql"

	"switchboard/internal/search"
	"switchboard/internal/store"
	"switchboard/internal/store/postgres"
)

// reindex writes PostgreSQL's search terms for every message. SQLite's FTS5
// table is contentless (it cannot give its terms back), so the terms are
// computed again from the decrypted text, read through the store, with the
// same formula the message writer uses (sqldb msgWriter.finish). One
// difference is deliberate: the writer indexes the title its batch brought,
// which is empty when a later batch added to a titled conversation; here the
// conversation's current title is used, so title words find every message.
func reindex(ctx context.Context, stx querier, msgs store.Messages, dtx *sql.Tx) (int64, error) {
	titles, err := conversationTitles(ctx, stx)
	if err != nil {
		return 0, err
	}
	var n, before int64
	for {
		page, err := msgs.ListMessages(ctx, store.Scope{All: true}, store.MessageFilter{Before: before, Limit: 500})
		if err != nil || len(page) == 0 {
			return n, err
		}
		ids, terms := make([]int64, len(page)), make([]string, len(page))
		for i, m := range page {
			ids[i] = m.ID
			terms[i] = search.MessageTerms(m.Text, m.SenderName, titles[m.ConversationID])
		}
		if err := postgres.Dialect().IndexMessages(ctx, dtx, ids, terms); err != nil {
			return n, err
		}
		n += int64(len(page))
		before = page[len(page)-1].ID
	}
}

func conversationTitles(ctx context.Context, db querier) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, title FROM conversations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			return nil, err
		}
		out[id] = title
	}
	return out, rows.Err()
}
