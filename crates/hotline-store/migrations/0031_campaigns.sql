-- Outbound campaigns (issue 21). `campaigns` holds a campaign's definition (its flow, mode,
-- queue, the dialler's settings as JSON text, how its list was made) and where it stands
-- (`status`: draft, running, paused, stopped, done; `status_reason` says why it paused).
-- `campaign_targets` are the customers to call, one per account and campaign, with the data
-- its flow or screen pop reads (JSON text of strings). `campaign_attempts` is every call
-- attempt, stored before the call is placed (one per target and attempt number: after a
-- restart, an attempt is never placed twice) and completed with its result. `do_not_call`
-- holds the numbers and accounts never to call, checked at dial time.
CREATE TABLE campaigns (
  id @ID@,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  mode TEXT NOT NULL,
  flow TEXT NOT NULL,
  queue TEXT,
  settings TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  status_reason TEXT,
  created_by BIGINT REFERENCES agents(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT
);
CREATE TABLE campaign_targets (
  id @ID@,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  account TEXT NOT NULL,
  customer_id BIGINT REFERENCES customers(id),
  number TEXT NOT NULL,
  data TEXT NOT NULL,
  state TEXT NOT NULL,
  due_at BIGINT,
  last_result TEXT,
  skipped TEXT,
  updated_at BIGINT NOT NULL,
  UNIQUE (campaign_id, account)
);
CREATE INDEX campaign_targets_state ON campaign_targets(campaign_id, state);
CREATE TABLE campaign_attempts (
  id @ID@,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  target_id BIGINT NOT NULL REFERENCES campaign_targets(id),
  account TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  number TEXT NOT NULL,
  dialled_at BIGINT NOT NULL,
  ended_at BIGINT,
  result TEXT,
  talk_ms BIGINT,
  keys TEXT,
  promise_fen BIGINT,
  promise_by TEXT,
  rating BIGINT,
  note TEXT,
  call_id BIGINT REFERENCES calls(id),
  UNIQUE (target_id, attempt)
);
CREATE INDEX campaign_attempts_campaign ON campaign_attempts(campaign_id, dialled_at);
CREATE INDEX campaign_attempts_account ON campaign_attempts(account, dialled_at);
CREATE TABLE do_not_call (
  id @ID@,
  number TEXT,
  account TEXT,
  source TEXT NOT NULL,
  note TEXT NOT NULL,
  added_by BIGINT REFERENCES agents(id),
  added_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX do_not_call_number ON do_not_call(number);
CREATE UNIQUE INDEX do_not_call_account ON do_not_call(account);
