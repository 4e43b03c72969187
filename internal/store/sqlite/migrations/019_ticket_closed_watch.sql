-- A requester may still answer a ticket closed after its resolution for a
-- while: rate it if they had not, or say "没解决", which opens a follow-up.
-- The conversation pass reads these by closing time, rated or not.
DROP INDEX tickets_unrated_closed
--;
CREATE INDEX tickets_closed_resolved ON tickets (closed_at) WHERE status = 'closed' AND resolved_at > 0
