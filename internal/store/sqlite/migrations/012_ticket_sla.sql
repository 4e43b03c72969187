CREATE TABLE ticket_sla (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	version INTEGER NOT NULL,
	policy TEXT NOT NULL,
	cycle INTEGER NOT NULL DEFAULT 1,
	first_due INTEGER NOT NULL DEFAULT 0,
	first_warn INTEGER NOT NULL DEFAULT 0,
	first_at INTEGER NOT NULL DEFAULT 0,
	resolution_due INTEGER NOT NULL DEFAULT 0,
	resolution_warn INTEGER NOT NULL DEFAULT 0,
	frozen_at INTEGER NOT NULL DEFAULT 0,
	paused INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL DEFAULT 0
)
--;
CREATE INDEX ticket_sla_next ON ticket_sla (next_at) WHERE next_at > 0
--;
INSERT INTO ticket_sla (ticket_id, version, policy) SELECT id, version, '-' FROM tickets
--;
CREATE TABLE ticket_sla_events (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	kind TEXT NOT NULL,
	cycle INTEGER NOT NULL,
	n INTEGER NOT NULL,
	done INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, kind, cycle, n)
)
