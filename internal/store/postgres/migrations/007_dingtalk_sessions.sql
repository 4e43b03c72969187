CREATE TABLE dingtalk_sessions (
	channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
	conversation_id TEXT NOT NULL,
	route BYTEA NOT NULL,
	expires_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (channel_id, conversation_id)
)
