-- District crews: an agent with the role `crew` is bound to one district and sees only
-- its tickets. NULL for everyone else.
ALTER TABLE agents ADD COLUMN district_id BIGINT REFERENCES districts(id);
