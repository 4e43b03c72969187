-- Which conversations each person has sent messages in, per window of
-- 65,536 message ids (id_window = id / 65536) and org unit, in place of the
-- index messages_sender (sender_id, id): the same table as SQLite's (see
-- its 003_person_conversations.sql for why), read by sqldb listBySender;
-- messages_conversation includes sender_id for the same reason as there.
CREATE TABLE person_conversations (
	person_id BIGINT NOT NULL,
	id_window BIGINT NOT NULL,
	conversation_id BIGINT NOT NULL,
	org_unit_id BIGINT NOT NULL,
	PRIMARY KEY (person_id, id_window, conversation_id, org_unit_id)
)
--;
INSERT INTO person_conversations (person_id, id_window, conversation_id, org_unit_id)
	SELECT DISTINCT sender_id, id / 65536, conversation_id, org_unit_id FROM messages WHERE sender_id IS NOT NULL
--;
DROP INDEX messages_sender
--;
DROP INDEX messages_conversation
--;
CREATE INDEX messages_conversation ON messages (conversation_id, id) INCLUDE (sender_id)
