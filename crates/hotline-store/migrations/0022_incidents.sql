-- Incidents (issue 19, item 3): one outage or burst main that many callers report. An
-- incident is opened by a supervisor (opened_by 'agent:<id>') or by the rule (opened_by
-- 'rule': N leak reports in one district within M minutes); ticket_id is the report that was
-- dispatched to the district (the one dispatch of the incident); closing sets closed_at/by.
CREATE TABLE incidents (
  id @ID@,
  district_id BIGINT NOT NULL REFERENCES districts(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  opened_by TEXT NOT NULL,
  closed_at BIGINT,
  closed_by TEXT,
  ticket_id BIGINT REFERENCES tickets(id)
);
CREATE INDEX incidents_open ON incidents(closed_at, district_id);
-- The reports: one row per ticket an IVR caller opened about a leak of a district (the
-- cluster the rule follows: first_ticket_id is its first report, the dispatched one), and per
-- ticket a supervisor linked to an incident (first_ticket_id NULL: in no cluster).
-- incident_id is set once the cluster is an incident; first_reporter marks the one the reward
-- goes to (the earliest report of the incident). The calls are reached through the tickets
-- (call_tickets): the IVR opens the ticket before its call's record is written, and the call
-- is linked to the ticket when it is, so a call id kept here would be empty for exactly the
-- IVR's reports. The caller's phone is kept as reported (the ticket's reporter_phone).
CREATE TABLE incident_reports (
  ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
  district_id BIGINT NOT NULL REFERENCES districts(id),
  first_ticket_id BIGINT REFERENCES tickets(id),
  incident_id BIGINT REFERENCES incidents(id),
  caller_phone TEXT NOT NULL DEFAULT '',
  reported_at BIGINT NOT NULL,
  first_reporter BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX incident_reports_district ON incident_reports(district_id, reported_at);
CREATE INDEX incident_reports_first ON incident_reports(first_ticket_id);
CREATE INDEX incident_reports_incident ON incident_reports(incident_id, reported_at);
