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
--;
-- A fallback chain per org unit, for its people who set none of their own;
-- org_unit_id 0 is the company-wide default (so no foreign key).
CREATE TABLE unit_notify_chains (
	org_unit_id INTEGER PRIMARY KEY,
	chain TEXT NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
-- Read receipts the platforms report for sent deliveries (Feishu
-- im.message.message_read_v1), one row per delivery and reader.
CREATE TABLE delivery_reads (
	delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
	reader TEXT NOT NULL,
	read_at INTEGER NOT NULL,
	PRIMARY KEY (delivery_id, reader)
)
--;
CREATE INDEX deliveries_external ON deliveries (channel_id, external_id) WHERE external_id <> ''
