CREATE TABLE ticket_chat_cursor (
	id INTEGER PRIMARY KEY,
	message_id INTEGER NOT NULL
)
--;
INSERT INTO ticket_chat_cursor (id, message_id) SELECT 1, COALESCE(MAX(id), 0) FROM messages
--;
CREATE INDEX tickets_live_conv ON tickets (requester_conversation_id) WHERE requester_conversation_id IS NOT NULL AND status NOT IN ('closed', 'cancelled')
