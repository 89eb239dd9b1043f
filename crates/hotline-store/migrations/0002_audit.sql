-- The audit trail: what a supervisor or admin did to someone else's work (e.g. forcing an
-- agent's ACD state), kept with the outcome.
CREATE TABLE audit_events (
  id @ID@,
  at BIGINT NOT NULL,
  actor_agent_id BIGINT NOT NULL REFERENCES agents(id),
  action TEXT NOT NULL,
  target_agent_id BIGINT REFERENCES agents(id),
  detail TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
