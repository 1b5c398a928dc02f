-- A character's or the system's message names the learner message it answers by that message's seq: the
-- composite foreign key keeps it inside the session, and the unique key lets each learner message have one
-- answer, whatever retries or crashes happen while it is written (several NULLs, the learner's, never collide).
ALTER TABLE chat_messages
  ADD COLUMN in_reply_to_seq INTEGER,
  ADD CONSTRAINT chat_messages_in_reply_to_fkey FOREIGN KEY (session_id, in_reply_to_seq)
    REFERENCES chat_messages (session_id, seq) ON DELETE CASCADE,
  ADD CONSTRAINT chat_messages_session_id_in_reply_to_seq_key UNIQUE (session_id, in_reply_to_seq),
  ADD CONSTRAINT chat_messages_in_reply_to_check CHECK (
    in_reply_to_seq IS NULL OR (role <> 'user' AND in_reply_to_seq < seq)
  );

-- Replies written before this column named their question in metadata.inReplyTo; the first reply to each
-- question keeps the link (a later duplicate, from the in-memory replies' time, stays unlinked).
UPDATE chat_messages m SET in_reply_to_seq = first.in_reply_to_seq
FROM (
  SELECT DISTINCT ON (r.session_id, (r.metadata->>'inReplyTo')::int) r.id, (r.metadata->>'inReplyTo')::int AS in_reply_to_seq
  FROM chat_messages r
  JOIN chat_messages q ON q.session_id = r.session_id AND q.seq = (r.metadata->>'inReplyTo')::int AND q.role = 'user'
  WHERE r.role <> 'user' AND jsonb_typeof(r.metadata->'inReplyTo') = 'number'
    AND (r.metadata->>'inReplyTo')::int < r.seq
  ORDER BY r.session_id, (r.metadata->>'inReplyTo')::int, r.seq
) first
WHERE m.id = first.id;
