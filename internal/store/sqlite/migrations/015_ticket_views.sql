CREATE TABLE ticket_views (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	org_unit_id INTEGER NOT NULL DEFAULT 0, -- shared with this unit; 0: private
	name TEXT NOT NULL,
	query TEXT NOT NULL,
	created_at INTEGER NOT NULL
)
--;
CREATE UNIQUE INDEX ticket_views_user_name ON ticket_views (user_id, name)
--;
CREATE INDEX ticket_views_unit ON ticket_views (org_unit_id)
