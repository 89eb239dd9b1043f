-- Engine runs (issue 16): each start of the engine is a run with a heartbeat, its last sign
-- of life. Calls carry the run that took them, so that a start can close the calls a crashed
-- run left open (disposition `interrupted`, ended at that run's last heartbeat).
CREATE TABLE engine_runs (
  id @ID@,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  stopped_at BIGINT
);
ALTER TABLE calls ADD COLUMN run_id BIGINT;
CREATE INDEX calls_open_by_run ON calls(run_id) WHERE ended_at IS NULL;
