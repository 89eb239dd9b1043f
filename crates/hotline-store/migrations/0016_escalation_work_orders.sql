-- How far a ticket has been escalated: 0 on time, 1 a deadline missed, 2 missed by the
-- configured multiple of its own limit. Raised by the escalation sweep, never lowered.
ALTER TABLE tickets ADD COLUMN escalation_level BIGINT NOT NULL DEFAULT 0;
