CREATE TABLE ticket_dupe_checks (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	outcome TEXT NOT NULL, -- linked, suggested, none, skipped
	checked_at INTEGER NOT NULL
)
--;
-- Tickets made before this release were checked (best effort) when created.
INSERT INTO ticket_dupe_checks (ticket_id, outcome, checked_at) SELECT id, 'before', created_at FROM tickets
--;
CREATE INDEX tickets_created ON tickets (created_at, id)
