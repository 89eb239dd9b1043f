-- More recordings of a call than its own (issue 20, item 6): a consultation of the call's
-- agent with the target (the agent left, the target right), kept with the call. Purged with
-- the call's own recording (its path cleared, when noted); a call on legal hold keeps them.
CREATE TABLE call_recordings (
  id @ID@,
  call_id BIGINT NOT NULL REFERENCES calls(id),
  kind TEXT NOT NULL,
  path TEXT,
  started_at BIGINT NOT NULL,
  purged_at BIGINT
);
CREATE INDEX call_recordings_call ON call_recordings(call_id);
