-- The periodic ticket passes find their work through partial indexes, so
-- an idle pass costs what there is to do, not how many tickets there are.
-- loop_version and clock_version mirror, on the ticket row, the version
-- the closed loop told (ticket_loop.told_version) and the SLA clock was
-- computed at (ticket_sla.version); every write that moves
-- tickets.version past them puts the ticket in the index by itself.
ALTER TABLE tickets ADD COLUMN loop_version INTEGER NOT NULL DEFAULT 0
--;
ALTER TABLE tickets ADD COLUMN clock_version INTEGER NOT NULL DEFAULT 0
--;
UPDATE tickets SET loop_version = COALESCE((SELECT l.told_version FROM ticket_loop l WHERE l.ticket_id = tickets.id),
	CASE WHEN requester_conversation_id IS NULL AND NOT EXISTS (SELECT 1 FROM ticket_duplicates d WHERE d.survivor_id = tickets.id)
	THEN version ELSE 0 END)
--;
UPDATE tickets SET clock_version = COALESCE((SELECT CASE WHEN s.policy = '-' THEN 9223372036854775807 ELSE s.version END
	FROM ticket_sla s WHERE s.ticket_id = tickets.id), 0)
--;
CREATE INDEX tickets_loop_owed ON tickets (id) WHERE loop_version < version
--;
CREATE INDEX tickets_clock_owed ON tickets (id) WHERE clock_version < version
--;
-- Open team tickets nobody holds: the queue sweep's strays are among them.
CREATE INDEX tickets_unassigned_open ON tickets (id) WHERE team_id IS NOT NULL AND assignee_id IS NULL
	AND status IN ('accepted', 'in_progress', 'waiting')
--;
-- An agent's open tickets (their load), without their closed history.
CREATE INDEX tickets_open_assignee ON tickets (assignee_id) WHERE status IN ('accepted', 'in_progress', 'waiting')
--;
-- breach_at: the moment the clock is breached from (1: breached for good,
-- a late first response or a resolution past due; 0: never); warn_at the
-- same for its warning while running. sla=breached and sla=at_risk read
-- these through their indexes instead of testing every clock.
ALTER TABLE ticket_sla ADD COLUMN breach_at INTEGER NOT NULL DEFAULT 0
--;
ALTER TABLE ticket_sla ADD COLUMN warn_at INTEGER NOT NULL DEFAULT 0
--;
UPDATE ticket_sla SET
	breach_at = CASE WHEN first_due > 0 AND first_at = 0 THEN first_due WHEN first_due > 0 AND first_at > first_due THEN 1 ELSE 0 END,
	warn_at = CASE WHEN first_due > 0 AND first_at = 0 THEN (CASE WHEN first_warn > 1 THEN first_warn ELSE 1 END) ELSE 0 END
--;
UPDATE ticket_sla SET breach_at = CASE WHEN breach_at = 0 OR resolution_due < breach_at THEN resolution_due ELSE breach_at END
	WHERE resolution_due > 0 AND frozen_at = 0
--;
UPDATE ticket_sla SET breach_at = 1 WHERE resolution_due > 0 AND frozen_at >= resolution_due
--;
UPDATE ticket_sla SET warn_at = CASE WHEN resolution_warn > 1 THEN resolution_warn ELSE 1 END
	WHERE resolution_due > 0 AND frozen_at = 0 AND (warn_at = 0 OR resolution_warn < warn_at)
--;
CREATE INDEX ticket_sla_breach ON ticket_sla (breach_at) WHERE breach_at > 0
--;
CREATE INDEX ticket_sla_warn ON ticket_sla (warn_at) WHERE warn_at > 0
--;
-- Pruning the webhook log looks at what is old enough, not at all of it.
CREATE INDEX ticket_hook_events_occurred ON ticket_hook_events (occurred_at)
--;
CREATE INDEX ticket_hook_deliveries_event ON ticket_hook_deliveries (event_id)
--;
CREATE INDEX ticket_hook_deliveries_done ON ticket_hook_deliveries (state, updated_at)
