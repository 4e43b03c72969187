-- Identities: the profile a platform's contact API gives for each
-- identity, looked up after the intake commit by a leased background job
-- (profile_* columns; identities_profile_due finds the pending ones and
-- the denied ones due for a recheck, so the intake insert only adds an
-- entry to that small index); people linked
-- into one primary person (linked_to), automatically on a matching verified
-- email or mobile or by an admin (link_manual then stops automatic
-- linking); and attachment bytes fetched from the platforms after the
-- commit: media_state marks inbound media messages not yet queued
-- (messages_media_pending, partial, holds only those), attachment_fetches
-- is the leased retry queue of the fetches.
ALTER TABLE people ADD COLUMN mobile TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE people ADD COLUMN department TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE people ADD COLUMN linked_to BIGINT
--;
ALTER TABLE people ADD COLUMN link_manual BOOLEAN NOT NULL DEFAULT FALSE
--;
CREATE INDEX people_linked ON people (linked_to) WHERE linked_to IS NOT NULL
--;
ALTER TABLE identities ADD COLUMN profile_name TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE identities ADD COLUMN department TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE identities ADD COLUMN email TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE identities ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE
--;
ALTER TABLE identities ADD COLUMN mobile TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE identities ADD COLUMN mobile_verified BOOLEAN NOT NULL DEFAULT FALSE
--;
ALTER TABLE identities ADD COLUMN profile_state TEXT NOT NULL DEFAULT 'pending'
--;
ALTER TABLE identities ADD COLUMN profile_attempts BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE identities ADD COLUMN profile_next_at BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE identities ADD COLUMN profile_owner TEXT NOT NULL DEFAULT ''
--;
ALTER TABLE identities ADD COLUMN profile_lease_until BIGINT NOT NULL DEFAULT 0
--;
ALTER TABLE identities ADD COLUMN profile_at BIGINT NOT NULL DEFAULT 0
--;
CREATE INDEX identities_profile_due ON identities (profile_next_at) WHERE profile_state IN ('pending', 'denied')
--;
CREATE INDEX identities_email ON identities (email) WHERE email_verified AND email <> ''
--;
CREATE INDEX identities_mobile ON identities (mobile) WHERE mobile_verified AND mobile <> ''
--;
ALTER TABLE messages ADD COLUMN media_state BIGINT NOT NULL DEFAULT 0
--;
CREATE INDEX messages_media_pending ON messages (id)
	WHERE media_state = 0 AND direction = 'in' AND kind IN ('image', 'file', 'voice', 'video')
--;
CREATE TABLE attachment_fetches (
	message_id BIGINT PRIMARY KEY,
	channel_id BIGINT NOT NULL,
	state TEXT NOT NULL DEFAULT 'queued',
	attempts BIGINT NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,
	owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL
)
--;
CREATE INDEX attachment_fetches_due ON attachment_fetches (next_at) WHERE state = 'queued'
