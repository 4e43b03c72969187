CREATE TABLE dingtalk_sessions (
	channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	conversation_id TEXT NOT NULL,
	route BLOB NOT NULL,
	expires_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (channel_id, conversation_id)
)
