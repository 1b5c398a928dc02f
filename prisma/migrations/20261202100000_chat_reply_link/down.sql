-- The constraints go with the column; metadata.inReplyTo of the older replies was never removed.
ALTER TABLE chat_messages DROP COLUMN in_reply_to_seq;
