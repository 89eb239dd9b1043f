-- A ticket's summary in each language it was written in (JSON object, language code → text,
-- e.g. {"zh": "…", "en": "…"}; '' when only `summary` exists): tickets the engine writes
-- itself (a queried meter reading from the IVR) carry every language, so the desk shows the
-- summary in the agent's page language, never half in one and half in another.
ALTER TABLE tickets ADD COLUMN summaries TEXT NOT NULL DEFAULT '';
