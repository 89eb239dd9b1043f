-- Recordings kept as long as their queue's retention (issue 20, item 6): a call on legal hold
-- is never purged; a purged recording's path is cleared and when it was purged kept. The
-- partial index serves the purge job's walk over recorded calls by end time.
ALTER TABLE calls ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN recording_purged_at BIGINT;
CREATE INDEX calls_recorded_by_end ON calls (ended_at) WHERE recording IS NOT NULL;
