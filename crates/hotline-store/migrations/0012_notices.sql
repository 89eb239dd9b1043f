-- Notices as a managed thing (issue 19): a notice covers one or more districts
-- (notice_districts; notices.district_id stays the first of them), has a cause (a code the
-- IVR reads: pipe_burst, repair, construction, flushing, power, other, or empty), the water
-- figures a water-quality or pressure notice carries, in thousandths so that they are exact
-- integers (turbidity in milli-NTU, residual chlorine in µg/L, pressure in kPa), and when it
-- was written and last changed. Ending a notice sets its ends_at; rows are never deleted.
ALTER TABLE notices ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN turbidity_mntu BIGINT;
ALTER TABLE notices ADD COLUMN chlorine_ug_l BIGINT;
ALTER TABLE notices ADD COLUMN pressure_kpa BIGINT;
ALTER TABLE notices ADD COLUMN created_at BIGINT;
ALTER TABLE notices ADD COLUMN updated_at BIGINT;
CREATE TABLE notice_districts (
  notice_id BIGINT NOT NULL REFERENCES notices(id),
  district_id BIGINT NOT NULL REFERENCES districts(id),
  PRIMARY KEY (notice_id, district_id)
);
CREATE INDEX notice_districts_district ON notice_districts(district_id, notice_id);
INSERT INTO notice_districts (notice_id, district_id) SELECT id, district_id FROM notices;
