CREATE TABLE ticket_webhooks (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	url TEXT NOT NULL,
	secret BLOB NOT NULL, -- sealed
	events TEXT NOT NULL DEFAULT '[]',
	include_internal BOOLEAN NOT NULL DEFAULT 0,
	active BOOLEAN NOT NULL DEFAULT 1,
	created_by INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
CREATE TABLE ticket_hook_cursor (
	source TEXT PRIMARY KEY,
	below_id INTEGER NOT NULL
)
--;
INSERT INTO ticket_hook_cursor (source, below_id) SELECT 'history', COALESCE(MAX(id), 0) FROM ticket_history
--;
INSERT INTO ticket_hook_cursor (source, below_id) SELECT 'comment', COALESCE(MAX(id), 0) FROM ticket_comments
--;
CREATE TABLE ticket_hook_events (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	source_id INTEGER NOT NULL,
	type TEXT NOT NULL,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	internal BOOLEAN NOT NULL DEFAULT 0,
	occurred_at INTEGER NOT NULL,
	payload BLOB NOT NULL, -- sealed: it carries the description and comment bodies
	UNIQUE (source, source_id)
)
--;
CREATE TABLE ticket_hook_deliveries (
	id INTEGER PRIMARY KEY,
	webhook_id INTEGER NOT NULL REFERENCES ticket_webhooks(id) ON DELETE CASCADE,
	event_id INTEGER NOT NULL REFERENCES ticket_hook_events(id),
	ticket_id INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	lease_until INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	response_code INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	latency_ms INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (webhook_id, event_id)
)
--;
CREATE INDEX ticket_hook_deliveries_due ON ticket_hook_deliveries (state, next_at, id)
--;
CREATE INDEX ticket_hook_deliveries_ticket ON ticket_hook_deliveries (webhook_id, ticket_id, id)
--;
CREATE TABLE ticket_external_events (
	system TEXT NOT NULL,
	event_id TEXT NOT NULL,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	actor_id INTEGER,
	result TEXT NOT NULL DEFAULT '{}',
	applied_at INTEGER NOT NULL,
	PRIMARY KEY (system, event_id)
)
--;
CREATE TABLE ticket_external_refs (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	system TEXT NOT NULL,
	ref TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (ticket_id, system)
)
