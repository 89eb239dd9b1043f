-- SMS campaigns (issue 21, item 6). `campaign_messages` is every text message a campaign
-- sends, one per target and attempt number, stored before it is submitted to the SMSC (after
-- a restart, a message is never sent twice) and completed with what the SMSC said: `status`
-- is sending, submitted, rejected, failed (not accepted: retried by the rules), unknown (the
-- engine stopped before the SMSC answered: never sent again), then, from the delivery
-- receipts, delivered, expired, undeliverable, deleted. `campaign_message_parts` holds the
-- SMSC's id of each part (receipts name these) and its state. `sms_inbound` is every text
-- customers sent (a STOP or 退订 reply puts the number on the do-not-call list, source `sms`).
-- `ticket_texts` are the texts telling a ticket's reporter it was dispatched or closed.
CREATE TABLE campaign_messages (
  id @ID@,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  target_id BIGINT NOT NULL REFERENCES campaign_targets(id),
  account TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  number TEXT NOT NULL,
  language TEXT NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL,
  parts BIGINT NOT NULL DEFAULT 0,
  smsc_ids TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  submitted_at BIGINT,
  final_at BIGINT,
  UNIQUE (target_id, attempt)
);
CREATE INDEX campaign_messages_campaign ON campaign_messages(campaign_id, created_at);
CREATE TABLE campaign_message_parts (
  smsc_id TEXT PRIMARY KEY,
  message_id BIGINT NOT NULL REFERENCES campaign_messages(id),
  part BIGINT NOT NULL,
  state TEXT,
  receipt_at BIGINT
);
CREATE INDEX campaign_message_parts_message ON campaign_message_parts(message_id);
CREATE TABLE sms_inbound (
  id @ID@,
  number TEXT NOT NULL,
  text TEXT NOT NULL,
  opt_out BIGINT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX sms_inbound_number ON sms_inbound(number, received_at);
-- Texts to a ticket's reporter on its progress: one per outbox event (dispatch, close),
-- stored before it is submitted (never twice), with what the SMSC said; `skipped` when the
-- reporter has no number or asked for no more (the do-not-call list).
CREATE TABLE ticket_texts (
  id @ID@,
  outbox_id BIGINT NOT NULL UNIQUE REFERENCES outbox(id),
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  kind TEXT NOT NULL,
  number TEXT NOT NULL,
  text TEXT NOT NULL,
  status TEXT NOT NULL,
  smsc_ids TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  final_at BIGINT
);
CREATE INDEX ticket_texts_ticket ON ticket_texts(ticket_id);
