CREATE TABLE notify_settings (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	settings TEXT NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
CREATE TABLE notify_intents (
	id INTEGER PRIMARY KEY,
	message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),
	request TEXT NOT NULL,
	done INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
)
--;
CREATE INDEX notify_intents_pending ON notify_intents (id) WHERE done = 0
--;
CREATE TABLE notifications (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	message_id INTEGER NOT NULL REFERENCES messages(id),
	mode TEXT NOT NULL,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	due_at INTEGER NOT NULL,
	delivery_id INTEGER,
	owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	UNIQUE (message_id, user_id)
)
--;
CREATE INDEX notifications_held ON notifications (due_at) WHERE state = 'held'
--;
CREATE INDEX notifications_user ON notifications (user_id, id)
--;
ALTER TABLE deliveries ADD COLUMN notification_id INTEGER
--;
ALTER TABLE deliveries ADD COLUMN prev_id INTEGER
--;
ALTER TABLE deliveries ADD COLUMN fallback TEXT NOT NULL DEFAULT ''
--;
CREATE INDEX deliveries_notification ON deliveries (notification_id)
--;
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	detail TEXT NOT NULL,
	done INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
)
--;
CREATE INDEX alerts_pending ON alerts (id) WHERE done = 0
