CREATE TABLE rules (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	position INTEGER NOT NULL DEFAULT 0,
	enabled BOOLEAN NOT NULL DEFAULT 1,
	definition TEXT NOT NULL,
	updated_at INTEGER NOT NULL
)
--;
CREATE INDEX rules_order ON rules (position, id)
