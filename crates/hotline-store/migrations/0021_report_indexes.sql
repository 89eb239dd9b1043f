-- Reports (issue 19, item 6): a month's tickets are read by their creation time and its
-- follow-ups by when they were due; without these
-- indexes every report scanned both tables whole.
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX followups_due_at ON followups(due_at);
