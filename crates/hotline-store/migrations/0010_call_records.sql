-- Call records that tell the truth (issue 24): the agent's answer apart from the engine's,
-- hold time, and callback attempts as records of their own (direction outbound, linked to
-- the original call by its reference, with how the attempt ended).
ALTER TABLE calls ADD COLUMN agent_answered_at BIGINT;
ALTER TABLE calls ADD COLUMN hold_ms BIGINT;
ALTER TABLE calls ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound';
ALTER TABLE calls ADD COLUMN parent_call_ref TEXT;
ALTER TABLE calls ADD COLUMN result TEXT;
CREATE INDEX calls_parent ON calls(parent_call_ref);
