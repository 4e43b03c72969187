CREATE TABLE ticket_agents (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	available BOOLEAN NOT NULL DEFAULT 0,
	capacity INTEGER NOT NULL DEFAULT 0, -- 0: the routing's default capacity
	assigned_seq INTEGER NOT NULL DEFAULT 0, -- round-robin: lowest goes next
	updated_at INTEGER NOT NULL
)
--;
CREATE TABLE ticket_queue (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	team_id INTEGER NOT NULL REFERENCES org_units(id),
	priority TEXT NOT NULL,
	queued_at INTEGER NOT NULL
)
--;
CREATE INDEX ticket_queue_team ON ticket_queue (team_id, priority, ticket_id)
