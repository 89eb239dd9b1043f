-- An SMS campaign's run reads the receipts that came since it last looked (a text the SMSC
-- could not deliver is sent again by the retry rules): by campaign and time of the last word.
CREATE INDEX campaign_messages_final ON campaign_messages(campaign_id, final_at);
