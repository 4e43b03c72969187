-- Which conversations each person has sent messages in, per window of
-- 65,536 message ids (id_window = id / 65536), in place of the index
-- messages_sender (sender_id, id). That index took an entry per message
-- at each sender's own place, so every commit dirtied one index page per
-- distinct sender in its batch; a row here is written once per person,
-- conversation and window, and the intake commit's INSERT … ON CONFLICT
-- DO NOTHING is a read otherwise. A sender filter reads the person's
-- windows newest first and, in each, only the messages of the person's
-- conversations (messages_conversation), so it never scans more than one
-- window of those conversations to find the next page (sqldb listBySender).
CREATE TABLE person_conversations (
	person_id INTEGER NOT NULL,
	id_window INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	PRIMARY KEY (person_id, id_window, conversation_id)
) WITHOUT ROWID
--;
INSERT INTO person_conversations (person_id, id_window, conversation_id)
	SELECT DISTINCT sender_id, id / 65536, conversation_id FROM messages WHERE sender_id IS NOT NULL
--;
DROP INDEX messages_sender
