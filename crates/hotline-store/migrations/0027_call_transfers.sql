-- Transfers (issue 20, item 1): a call the first agent handed over to another agent (a
-- consultation completed, a conference the first agent left, a blind transfer) names that
-- agent too. `agent_id` stays the first agent who answered (the figures per agent count the
-- call there, as the glossary defines); NULL when the call was not transferred to an agent.
ALTER TABLE calls ADD COLUMN transfer_agent_id BIGINT;
