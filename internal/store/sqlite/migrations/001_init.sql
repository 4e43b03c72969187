CREATE TABLE org_units (
	id INTEGER PRIMARY KEY,
	parent_id INTEGER REFERENCES org_units(id),
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	created_at INTEGER NOT NULL
)
--;
CREATE TABLE org_unit_paths (
	ancestor INTEGER NOT NULL REFERENCES org_units(id),
	descendant INTEGER NOT NULL REFERENCES org_units(id),
	PRIMARY KEY (ancestor, descendant)
) WITHOUT ROWID
--;
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
)
--;
CREATE TABLE user_roles (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	PRIMARY KEY (user_id, role, org_unit_id)
)
--;
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	hash BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0
)
--;
CREATE TABLE sessions (
	hash BLOB PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	expires_at INTEGER NOT NULL
)
--;
CREATE TABLE channels (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	config BLOB NOT NULL,
	enabled BOOLEAN NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
CREATE TABLE inbox (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	external_id TEXT NOT NULL,
	envelope BLOB NOT NULL,
	received_at INTEGER NOT NULL,
	done INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	UNIQUE (channel_id, external_id)
)
--;
CREATE INDEX inbox_pending ON inbox (id) WHERE done = 0
--;
CREATE TABLE people (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	org_unit_id INTEGER,
	created_at INTEGER NOT NULL
)
--;
CREATE TABLE identities (
	id INTEGER PRIMARY KEY,
	person_id INTEGER NOT NULL REFERENCES people(id),
	channel_id INTEGER NOT NULL,
	external_id TEXT NOT NULL,
	name TEXT NOT NULL,
	UNIQUE (channel_id, external_id)
)
--;
CREATE TABLE conversations (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	org_unit_id INTEGER NOT NULL,
	external_id TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	last_message_at INTEGER NOT NULL,
	message_count INTEGER NOT NULL DEFAULT 0,
	UNIQUE (channel_id, external_id)
)
--;
CREATE INDEX conversations_recent ON conversations (last_message_at)
--;
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	channel_kind TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	external_id TEXT NOT NULL,
	direction TEXT NOT NULL,
	sender_id INTEGER,
	sender_name TEXT NOT NULL,
	kind TEXT NOT NULL,
	body BLOB NOT NULL,
	sent_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	UNIQUE (channel_id, external_id)
)
--;
CREATE INDEX messages_conversation ON messages (conversation_id, id)
--;
CREATE INDEX messages_org ON messages (org_unit_id, id)
--;
CREATE INDEX messages_sender ON messages (sender_id, id)
--;
CREATE TABLE message_tags (
	message_id INTEGER NOT NULL,
	tag TEXT NOT NULL,
	PRIMARY KEY (message_id, tag)
) WITHOUT ROWID
--;
CREATE INDEX message_tags_tag ON message_tags (tag, message_id)
--;
CREATE VIRTUAL TABLE message_fts USING fts5(terms, content='', detail='none')
--;
CREATE TABLE stars (
	user_id INTEGER NOT NULL,
	message_id INTEGER NOT NULL,
	PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID
--;
CREATE TABLE reads (
	user_id INTEGER NOT NULL,
	message_id INTEGER NOT NULL,
	read_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID
--;
CREATE TABLE deliveries (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	message_id INTEGER,
	conversation_id INTEGER,
	destination TEXT NOT NULL,
	payload BLOB NOT NULL,
	idem_key TEXT NOT NULL UNIQUE,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_until INTEGER NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	external_id TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('queued', 'failed')
--;
CREATE INDEX deliveries_message ON deliveries (message_id)
--;
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	login TEXT NOT NULL,
	action TEXT NOT NULL,
	resource TEXT NOT NULL,
	allowed BOOLEAN NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	remote_ip TEXT NOT NULL DEFAULT '',
	prev_hash BLOB,
	hash BLOB NOT NULL
)
