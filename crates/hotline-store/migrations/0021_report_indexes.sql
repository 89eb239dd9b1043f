-- Reports (issue 19, item 6): a month's tickets are read by their creation time; without this
-- index every report scanned the whole tickets table.
CREATE INDEX tickets_created ON tickets(created_at);
