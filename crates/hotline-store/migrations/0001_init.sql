-- The hotline's schema, one text for SQLite and PostgreSQL. `@ID@` becomes each backend's
-- auto-increment primary key; everything else is portable: BIGINT numbers, TEXT strings,
-- times as Unix milliseconds, money as integer fen (0.01 yuan), lists as JSON text.

CREATE TABLE districts (
  id @ID@,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  service_centre TEXT NOT NULL,
  dispatch_contact TEXT NOT NULL,
  dispatch_phone TEXT NOT NULL
);

CREATE TABLE agents (
  id @ID@,
  login TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  staff_no TEXT NOT NULL UNIQUE,
  sip_user TEXT NOT NULL UNIQUE,
  ha1_md5 TEXT NOT NULL,
  ha1_sha256 TEXT NOT NULL,
  team TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT 'zh',
  active BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);

CREATE TABLE agent_skills (
  agent_id BIGINT NOT NULL REFERENCES agents(id),
  skill TEXT NOT NULL,
  level BIGINT NOT NULL,
  PRIMARY KEY (agent_id, skill)
);

CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  agent_id BIGINT NOT NULL REFERENCES agents(id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_agent ON api_tokens(agent_id);

CREATE TABLE customers (
  id @ID@,
  account_no TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  district_id BIGINT REFERENCES districts(id),
  language TEXT NOT NULL DEFAULT 'zh',
  tier TEXT NOT NULL DEFAULT 'standard',
  manager_agent_id BIGINT REFERENCES agents(id),
  credit_flag TEXT NOT NULL DEFAULT 'none',
  credit_note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX customers_name ON customers(name);
CREATE INDEX customers_manager ON customers(manager_agent_id);

CREATE TABLE customer_phones (
  phone TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  PRIMARY KEY (phone, customer_id)
);
CREATE INDEX customer_phones_customer ON customer_phones(customer_id);

CREATE TABLE meters (
  id @ID@,
  serial TEXT NOT NULL UNIQUE,
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  last_value BIGINT,
  last_read_at BIGINT
);
CREATE INDEX meters_customer ON meters(customer_id);

CREATE TABLE meter_readings (
  id @ID@,
  meter_id BIGINT NOT NULL REFERENCES meters(id),
  value BIGINT NOT NULL,
  read_at BIGINT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  ticket_id BIGINT
);
CREATE INDEX meter_readings_meter ON meter_readings(meter_id, read_at);

CREATE TABLE bills (
  id @ID@,
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  period TEXT NOT NULL,
  volume BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  paid_fen BIGINT NOT NULL DEFAULT 0,
  paid_at BIGINT,
  UNIQUE (customer_id, period)
);

CREATE TABLE payments (
  id @ID@,
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  bill_id BIGINT REFERENCES bills(id),
  amount_fen BIGINT NOT NULL,
  paid_at BIGINT NOT NULL,
  channel TEXT NOT NULL
);
CREATE INDEX payments_customer ON payments(customer_id, paid_at);

CREATE TABLE notices (
  id @ID@,
  district_id BIGINT NOT NULL REFERENCES districts(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT
);
CREATE INDEX notices_district ON notices(district_id, starts_at);

CREATE TABLE calls (
  id @ID@,
  call_ref TEXT NOT NULL UNIQUE,
  caller TEXT NOT NULL,
  dialled TEXT NOT NULL,
  customer_id BIGINT REFERENCES customers(id),
  started_at BIGINT NOT NULL,
  ivr_ended_at BIGINT,
  queued_at BIGINT,
  answered_at BIGINT,
  ended_at BIGINT,
  ivr_path TEXT NOT NULL DEFAULT '[]',
  queue TEXT,
  agent_id BIGINT REFERENCES agents(id),
  wait_ms BIGINT,
  talk_ms BIGINT,
  wrapup_ms BIGINT,
  disposition TEXT,
  recording TEXT,
  survey_score BIGINT,
  hangup_side TEXT,
  repeat_contact BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX calls_customer ON calls(customer_id, started_at);
CREATE INDEX calls_started ON calls(started_at);
CREATE INDEX calls_caller ON calls(caller);

CREATE TABLE tickets (
  id @ID@,
  kind TEXT NOT NULL,
  priority TEXT NOT NULL,
  status TEXT NOT NULL,
  customer_id BIGINT REFERENCES customers(id),
  district_id BIGINT REFERENCES districts(id),
  address TEXT NOT NULL,
  summary TEXT NOT NULL,
  reporter_phone TEXT NOT NULL DEFAULT '',
  reporter_name TEXT NOT NULL DEFAULT '',
  created_via TEXT NOT NULL,
  created_by BIGINT REFERENCES agents(id),
  handled_by BIGINT REFERENCES agents(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 0,
  dispatched_at BIGINT,
  on_site_at BIGINT,
  replied_at BIGINT,
  closed_at BIGINT,
  followed_up_at BIGINT,
  due_on_site_at BIGINT,
  due_reply_at BIGINT,
  due_follow_up_at BIGINT,
  escalated TEXT NOT NULL DEFAULT '',
  rating BIGINT
);
CREATE INDEX tickets_status ON tickets(status, created_at);
CREATE INDEX tickets_district ON tickets(district_id, status);
CREATE INDEX tickets_customer ON tickets(customer_id, status);
CREATE INDEX tickets_reporter ON tickets(reporter_phone, status);

CREATE TABLE ticket_events (
  id @ID@,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE call_tickets (
  call_id BIGINT NOT NULL REFERENCES calls(id),
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  linked_at BIGINT NOT NULL,
  PRIMARY KEY (call_id, ticket_id)
);
CREATE INDEX call_tickets_ticket ON call_tickets(ticket_id);

CREATE TABLE followups (
  id @ID@,
  ticket_id BIGINT NOT NULL UNIQUE REFERENCES tickets(id),
  due_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  max_attempts BIGINT NOT NULL,
  status TEXT NOT NULL,
  agent_id BIGINT REFERENCES agents(id),
  rating BIGINT,
  note TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
CREATE INDEX followups_due ON followups(status, next_attempt_at);
