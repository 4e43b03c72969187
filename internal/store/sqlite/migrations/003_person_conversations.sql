-- Which conversations each person has sent messages in, per window of
-- 65,536 message ids (id_window = id / 65536) and org unit, in place of the
-- index messages_sender (sender_id, id). That index took an entry per
-- message at each sender's own place, so every intake commit dirtied one
-- index page per distinct sender in its batch; a row here is written once
-- per person, window, conversation and org unit, and the commit's
-- INSERT … ON CONFLICT DO NOTHING only reads otherwise. A sender filter
-- visits the person's windows newest first and reads, in each, only the
-- messages of the conversations listed for it (through
-- messages_conversation, which now carries sender_id so that the sender
-- is checked in the index and only the person's own rows are read); see
-- sqldb listBySender.
CREATE TABLE person_conversations (
	person_id INTEGER NOT NULL,
	id_window INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	org_unit_id INTEGER NOT NULL,
	PRIMARY KEY (person_id, id_window, conversation_id, org_unit_id)
) WITHOUT ROWID
--;
INSERT INTO person_conversations (person_id, id_window, conversation_id, org_unit_id)
	SELECT DISTINCT sender_id, id / 65536, conversation_id, org_unit_id FROM messages WHERE sender_id IS NOT NULL
--;
DROP INDEX messages_sender
--;
DROP INDEX messages_conversation
--;
CREATE INDEX messages_conversation ON messages (conversation_id, id, sender_id)
