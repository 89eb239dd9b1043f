-- The webhook outbox: every dispatch, return, reply, escalation and close of a ticket is
-- written here in the same transaction as the change (so a change is never without its
-- event, nor an event without its change); the deliverer fans each event out to the
-- receivers configured for it (one delivery row each) and posts it until a 2xx, with
-- backoff, or gives up (dead letter).
CREATE TABLE outbox (
  id @ID@,
  event_id TEXT NOT NULL UNIQUE,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  district_id BIGINT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  fanned_out BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_fan_out ON outbox(fanned_out, id);

CREATE TABLE outbox_deliveries (
  id @ID@,
  outbox_id BIGINT NOT NULL REFERENCES outbox(id),
  receiver TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at BIGINT,
  UNIQUE (outbox_id, receiver)
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries(status, next_attempt_at);
