CREATE TABLE ticket_duplicates (
	ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
	survivor_id BIGINT NOT NULL REFERENCES tickets(id),
	score DOUBLE PRECISION NOT NULL DEFAULT 0,
	linked_by BIGINT,
	linked_at BIGINT NOT NULL
)
--;
CREATE INDEX ticket_duplicates_survivor ON ticket_duplicates (survivor_id, ticket_id)
--;
CREATE TABLE ticket_dup_suggestions (
	ticket_id BIGINT NOT NULL REFERENCES tickets(id),
	candidate_id BIGINT NOT NULL REFERENCES tickets(id),
	score DOUBLE PRECISION NOT NULL,
	state TEXT NOT NULL DEFAULT 'open',
	created_at BIGINT NOT NULL,
	decided_by BIGINT,
	decided_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (ticket_id, candidate_id)
)
--;
CREATE INDEX tickets_type_created ON tickets (type, created_at)
