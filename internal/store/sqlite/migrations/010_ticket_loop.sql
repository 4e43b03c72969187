ALTER TABLE tickets ADD COLUMN csat INTEGER NOT NULL DEFAULT 0
--;
CREATE TABLE ticket_loop (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
	told_version INTEGER NOT NULL,
	told_status TEXT NOT NULL,
	card_delivery_id INTEGER NOT NULL DEFAULT 0
)
--;
INSERT INTO ticket_loop (ticket_id, told_version, told_status) SELECT id, version, status FROM tickets
--;
CREATE INDEX tickets_requester_conv ON tickets (requester_conversation_id, id)
