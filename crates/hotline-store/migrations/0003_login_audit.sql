-- Failed logins join the audit trail: the actor may be no agent (a login nobody has), so the
-- actor's id becomes optional, and the name tried (`actor`, masked where it is a phone number)
-- and the source address are kept. SQLite cannot drop a NOT NULL, so the table is rebuilt
-- with the same SQL on both backends; the entries keep their order (ids are given anew).
ALTER TABLE audit_events RENAME TO audit_events_0002;
DROP INDEX audit_events_at;
CREATE TABLE audit_events (
  id @ID@,
  at BIGINT NOT NULL,
  actor_agent_id BIGINT REFERENCES agents(id),
  actor TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  target_agent_id BIGINT REFERENCES agents(id),
  detail TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL
);
INSERT INTO audit_events (at, actor_agent_id, actor, action, target_agent_id, detail, outcome)
  SELECT e.at, e.actor_agent_id, COALESCE(a.login, ''), e.action, e.target_agent_id, e.detail, e.outcome
  FROM audit_events_0002 e LEFT JOIN agents a ON a.id = e.actor_agent_id
  ORDER BY e.id;
DROP TABLE audit_events_0002;
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_action ON audit_events(action, id);
