-- What rules decided about a message beyond its tags: category, priority,
-- retention class, confidential. Only messages a rule classified have a
-- row, so the intake commit writes nothing extra for the rest.
CREATE TABLE message_class (
	message_id INTEGER PRIMARY KEY REFERENCES messages(id),
	category TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL DEFAULT '',
	retention_class TEXT NOT NULL DEFAULT '',
	confidential INTEGER NOT NULL DEFAULT 0
)
--;
CREATE INDEX message_class_category ON message_class (category, message_id) WHERE category <> ''
--;
CREATE INDEX message_class_priority ON message_class (priority, message_id) WHERE priority <> ''
--;
CREATE INDEX message_class_confidential ON message_class (message_id) WHERE confidential = 1
