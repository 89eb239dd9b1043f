-- Recorded notice prompts (issue 19, item 1): a notice may carry, per language, a recording
-- uploaded by a supervisor (8 kHz mono 16-bit PCM WAV, checked like the shipped prompts
-- before it is stored) that the IVR plays after its own reading of the notice. The WAV is
-- kept base64-encoded so that one column type serves SQLite and PostgreSQL; uploading again
-- replaces it (a new uploaded_at, so every engine loads the new one).
CREATE TABLE notice_recordings (
  notice_id BIGINT NOT NULL REFERENCES notices(id),
  language TEXT NOT NULL,
  wav_base64 TEXT NOT NULL,
  samples BIGINT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  uploaded_by TEXT NOT NULL,
  PRIMARY KEY (notice_id, language)
);
