CREATE TABLE ticket_duplicates (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	survivor_id INTEGER NOT NULL REFERENCES tickets(id),
	score REAL NOT NULL DEFAULT 0,
	linked_by INTEGER,
	linked_at INTEGER NOT NULL
)
--;
CREATE INDEX ticket_duplicates_survivor ON ticket_duplicates (survivor_id, ticket_id)
--;
CREATE TABLE ticket_dup_suggestions (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	candidate_id INTEGER NOT NULL REFERENCES tickets(id),
	score REAL NOT NULL,
	state TEXT NOT NULL DEFAULT 'open',
	created_at INTEGER NOT NULL,
	decided_by INTEGER,
	decided_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (ticket_id, candidate_id)
)
--;
CREATE INDEX tickets_type_created ON tickets (type, created_at)
