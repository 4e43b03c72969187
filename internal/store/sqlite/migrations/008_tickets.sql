CREATE TABLE ticket_types (
	name TEXT PRIMARY KEY,
	label_zh TEXT NOT NULL,
	label_en TEXT NOT NULL,
	flow TEXT NOT NULL,
	fields TEXT NOT NULL DEFAULT '[]',
	builtin BOOLEAN NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
)
--;
INSERT INTO ticket_types (name, label_zh, label_en, flow, builtin, created_at) VALUES
	('incident', '故障', 'Incident', 'standard', 1, 0),
	('requirement', '需求', 'Requirement', 'requirement', 1, 0),
	('feedback', '反馈', 'Feedback', 'standard', 1, 0),
	('task', '任务', 'Task', 'standard', 1, 0),
	('approval', '审批', 'Approval', 'standard', 1, 0)
--;
CREATE TABLE ticket_counter (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	value INTEGER NOT NULL
)
--;
INSERT INTO ticket_counter (id, value) VALUES (1, 1000)
--;
CREATE TABLE tickets (
	id INTEGER PRIMARY KEY,
	number INTEGER NOT NULL UNIQUE,
	type TEXT NOT NULL REFERENCES ticket_types(name),
	title TEXT NOT NULL,
	description BLOB NOT NULL, -- sealed, like message bodies
	status TEXT NOT NULL,
	priority TEXT NOT NULL,
	score INTEGER NOT NULL DEFAULT 0,
	factors TEXT NOT NULL,
	explanation TEXT NOT NULL,
	requester_person_id INTEGER REFERENCES people(id),
	requester_name TEXT NOT NULL DEFAULT '',
	requester_channel_id INTEGER,
	requester_conversation_id INTEGER,
	requester_external_id TEXT NOT NULL DEFAULT '',
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	team_id INTEGER REFERENCES org_units(id),
	assignee_id INTEGER REFERENCES users(id),
	category TEXT NOT NULL DEFAULT '',
	fields TEXT NOT NULL DEFAULT '{}',
	due_at INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER,
	version INTEGER NOT NULL DEFAULT 1,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL DEFAULT 0,
	closed_at INTEGER NOT NULL DEFAULT 0
)
--;
CREATE INDEX tickets_org ON tickets (org_unit_id, id)
--;
CREATE INDEX tickets_assignee ON tickets (assignee_id, id)
--;
CREATE INDEX tickets_requester ON tickets (requester_person_id, id)
--;
CREATE INDEX tickets_status ON tickets (status, id)
--;
CREATE TABLE ticket_sources (
	message_id INTEGER PRIMARY KEY REFERENCES messages(id),
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	channel_id INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	added_by INTEGER,
	added_at INTEGER NOT NULL
)
--;
CREATE INDEX ticket_sources_ticket ON ticket_sources (ticket_id, message_id)
--;
CREATE TABLE ticket_watchers (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (ticket_id, user_id)
)
--;
CREATE INDEX ticket_watchers_user ON ticket_watchers (user_id, ticket_id)
--;
CREATE TABLE ticket_tags (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	tag TEXT NOT NULL,
	PRIMARY KEY (ticket_id, tag)
)
--;
CREATE TABLE ticket_comments (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	author_id INTEGER,
	body BLOB NOT NULL, -- sealed
	public BOOLEAN NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
)
--;
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id)
--;
CREATE TABLE ticket_history (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	at INTEGER NOT NULL,
	actor_id INTEGER,
	field TEXT NOT NULL,
	old_value TEXT NOT NULL DEFAULT '',
	new_value TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
)
--;
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id)
--;
CREATE TABLE ticket_settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at INTEGER NOT NULL
)
