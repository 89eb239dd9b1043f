-- Call reasons and notes (issue 19, item 5). The reasons' tree: a category (`billing`) and
-- its reasons (`billing/query`), each with its Chinese and English names; only reasons (codes
-- with a `/`) are picked. The shipped default tree is inserted here; a centre changes the
-- rows. A call's reasons are kept by call id (`call_ref`, the record's key), apart from the
-- call record, which the call log writes: an agent's in wrap-up (`source` 'agent'), or the
-- IVR flow's for a call that never reached an agent (`source` 'ivr'). One note per call.
CREATE TABLE call_reason_codes (
  code TEXT PRIMARY KEY,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  position BIGINT NOT NULL
);
INSERT INTO call_reason_codes (code, name_zh, name_en, position) VALUES
  ('billing', '账务', 'Billing', 100),
  ('billing/query', '查询', 'Enquiry', 110),
  ('billing/dispute', '争议', 'Dispute', 120),
  ('billing/payment', '缴费', 'Payment', 130),
  ('repair', '报修', 'Repair', 200),
  ('repair/leak', '漏水', 'Leak', 210),
  ('repair/meter', '水表故障', 'Meter fault', 220),
  ('repair/no_water', '无水', 'No water', 230),
  ('complaint', '投诉', 'Complaint', 300),
  ('complaint/attitude', '服务态度', 'Staff attitude', 310),
  ('complaint/water_quality', '水质', 'Water quality', 320),
  ('complaint/repair_delay', '维修延误', 'Repair delay', 330),
  ('info', '咨询', 'Information', 400),
  ('info/outage', '停水通知', 'Outage notice', 410),
  ('info/reading', '抄表', 'Meter reading', 420),
  ('info/other', '其他', 'Other', 490);
CREATE TABLE call_reasons (
  call_ref TEXT NOT NULL,
  code TEXT NOT NULL REFERENCES call_reason_codes(code),
  source TEXT NOT NULL,
  agent_id BIGINT REFERENCES agents(id),
  at BIGINT NOT NULL,
  PRIMARY KEY (call_ref, code)
);
CREATE INDEX call_reasons_agent ON call_reasons(agent_id, at);
CREATE INDEX call_reasons_code ON call_reasons(code);
CREATE TABLE call_notes (
  call_ref TEXT PRIMARY KEY,
  agent_id BIGINT REFERENCES agents(id),
  note TEXT NOT NULL,
  at BIGINT NOT NULL
);
