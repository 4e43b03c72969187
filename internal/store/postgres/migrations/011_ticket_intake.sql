CREATE TABLE ticket_chat_cursor (
	id INTEGER PRIMARY KEY,
	message_id BIGINT NOT NULL
)
--;
INSERT INTO ticket_chat_cursor (id, message_id) SELECT 1, COALESCE(MAX(id), 0) FROM messages
