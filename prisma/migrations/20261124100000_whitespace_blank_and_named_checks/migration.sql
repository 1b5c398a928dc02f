-- "Not blank" meant "not only spaces": btrim() strips spaces alone, so a title, name or message made of tabs
-- or newlines passed. Blank now means whitespace of any kind.
ALTER TABLE users DROP CONSTRAINT users_display_name_check,
  ADD CONSTRAINT users_display_name_check CHECK (display_name ~ '\S');
ALTER TABLE courses DROP CONSTRAINT courses_title_check,
  ADD CONSTRAINT courses_title_check CHECK (title ~ '\S');
ALTER TABLE assessments DROP CONSTRAINT assessments_title_check,
  ADD CONSTRAINT assessments_title_check CHECK (title ~ '\S');
ALTER TABLE characters DROP CONSTRAINT characters_name_check,
  ADD CONSTRAINT characters_name_check CHECK (name ~ '\S');
ALTER TABLE characters DROP CONSTRAINT characters_display_name_check,
  ADD CONSTRAINT characters_display_name_check CHECK (display_name ~ '\S');
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_content_check,
  ADD CONSTRAINT chat_messages_content_check CHECK (content ~ '\S');

-- Constraints spanning two columns got names PostgreSQL made up (courses_check, ..._check1); name them for
-- what they guard so errors, tests and later migrations can refer to them.
ALTER TABLE courses RENAME CONSTRAINT courses_check TO courses_prerequisites_check;
ALTER TABLE assessment_attempts RENAME CONSTRAINT assessment_attempts_check TO assessment_attempts_deadline_check;
ALTER TABLE assessment_attempts RENAME CONSTRAINT assessment_attempts_check1 TO assessment_attempts_submitted_at_check;
