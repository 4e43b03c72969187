-- The auto-close pass closes tickets resolved longer ago than the
-- configured wait: it reads the resolved ones by resolution time, not
-- every resolved ticket nor every ticket.
CREATE INDEX tickets_resolved ON tickets (status, resolved_at)
