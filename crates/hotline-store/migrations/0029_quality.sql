-- Quality assessment (issue 20, item 7). `qa_samples` is the weekly work list: calls drawn at
-- random per agent for a week (`week` is the ISO week label of the call's start in the
-- centre's zone, such as '2026-W49'); drawing again draws the same calls. `qa_evaluations`
-- holds an evaluator's scored form for a call: the answers as JSON text, the score worked out
-- by the form's rules when saved (tenths of a percent, so that sums are exact), and the
-- evaluated agent's answer (acknowledged, or disputed with a note, then resolved). The first
-- evaluation of a call is the one that counts; later ones by other evaluators are
-- calibration (`calibration` = 1): shown side by side, not counted in the agent's scores.
-- `team` is the agent's team when the evaluation was saved. `qa_secret` is the sampling key,
-- made once at random, so that agents cannot tell which calls will be drawn.
CREATE TABLE qa_samples (
  week TEXT NOT NULL,
  call_id BIGINT NOT NULL REFERENCES calls(id),
  agent_id BIGINT NOT NULL REFERENCES agents(id),
  drawn_at BIGINT NOT NULL,
  PRIMARY KEY (week, call_id)
);
CREATE INDEX qa_samples_agent ON qa_samples(agent_id, week);
CREATE TABLE qa_evaluations (
  id @ID@,
  call_id BIGINT NOT NULL REFERENCES calls(id),
  agent_id BIGINT NOT NULL REFERENCES agents(id),
  team TEXT NOT NULL,
  week TEXT NOT NULL,
  evaluator_id BIGINT NOT NULL REFERENCES agents(id),
  form_id TEXT NOT NULL,
  form_version TEXT NOT NULL,
  answers TEXT NOT NULL,
  comments TEXT NOT NULL,
  percent_tenths BIGINT NOT NULL,
  passed BIGINT NOT NULL,
  critical_failed BIGINT NOT NULL,
  calibration BIGINT NOT NULL,
  status TEXT NOT NULL,
  agent_note TEXT,
  agent_at BIGINT,
  resolution_note TEXT,
  resolved_by BIGINT REFERENCES agents(id),
  resolved_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (call_id, evaluator_id)
);
CREATE INDEX qa_evaluations_agent ON qa_evaluations(agent_id, week);
CREATE INDEX qa_evaluations_team ON qa_evaluations(team, week);
CREATE INDEX qa_evaluations_call ON qa_evaluations(call_id);
CREATE TABLE qa_secret (
  id BIGINT PRIMARY KEY,
  secret TEXT NOT NULL
);
