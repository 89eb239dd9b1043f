-- The desk's ticket lists read a page in parts (ticket_lists.rs): the overdue tickets, found
-- through one partial index per unmet deadline (the three terms of the overdue condition),
-- then the on-time ones one priority at a time, oldest first, walking an index on
-- (filter, priority, created_at). The lists' figures: benches/ticket_lists.rs.
CREATE INDEX tickets_due_on_site_open ON tickets(due_on_site_at)
  WHERE on_site_at IS NULL AND replied_at IS NULL;
CREATE INDEX tickets_due_reply_open ON tickets(due_reply_at) WHERE replied_at IS NULL;
CREATE INDEX tickets_due_follow_up_open ON tickets(due_follow_up_at)
  WHERE followed_up_at IS NULL;
CREATE INDEX tickets_priority_age ON tickets(priority, created_at, id);
CREATE INDEX tickets_status_priority_age ON tickets(status, priority, created_at, id);
CREATE INDEX tickets_district_priority_age ON tickets(district_id, priority, created_at, id);
CREATE INDEX tickets_created_by_age ON tickets(created_by, created_at, id);
CREATE INDEX tickets_handled_by_age ON tickets(handled_by, created_at, id);
