-- The auto-close pass closes tickets resolved longer ago than the
-- configured wait: it reads the resolved ones by resolution time, not
-- every resolved ticket nor every ticket.
CREATE INDEX tickets_resolved ON tickets (status, resolved_at)
--;
-- A closed ticket its requester has not rated yet still hears their
-- rating for a while (the conversation pass reads these by closing time).
CREATE INDEX tickets_unrated_closed ON tickets (closed_at) WHERE status = 'closed' AND csat = 0 AND resolved_at > 0
