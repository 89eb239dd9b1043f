-- The desk's ticket lists read a page in parts (ticket_lists.rs): the overdue tickets one
-- priority at a time, oldest first, walking the unfinished tickets (partial indexes: all, and
-- per district), then the on-time ones one priority at a time, oldest first, walking an index
-- on (filter, priority, created_at). The lists' figures: benches/ticket_lists.rs.
CREATE INDEX tickets_unfinished_priority_age ON tickets(priority, created_at, id)
  WHERE status NOT IN ('followed_up', 'rated');
CREATE INDEX tickets_unfinished_district ON tickets(district_id, priority, created_at, id)
  WHERE status NOT IN ('followed_up', 'rated');
CREATE INDEX tickets_priority_age ON tickets(priority, created_at, id);
CREATE INDEX tickets_status_priority_age ON tickets(status, priority, created_at, id);
CREATE INDEX tickets_district_priority_age ON tickets(district_id, priority, created_at, id);
CREATE INDEX tickets_created_by_priority_age ON tickets(created_by, priority, created_at, id);
CREATE INDEX tickets_handled_by_priority_age ON tickets(handled_by, priority, created_at, id);
