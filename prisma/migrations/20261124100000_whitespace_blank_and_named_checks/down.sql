-- Undoes 20261124100000_whitespace_blank_and_named_checks.
ALTER TABLE assessment_attempts RENAME CONSTRAINT assessment_attempts_submitted_at_check TO assessment_attempts_check1;
ALTER TABLE assessment_attempts RENAME CONSTRAINT assessment_attempts_deadline_check TO assessment_attempts_check;
ALTER TABLE courses RENAME CONSTRAINT courses_prerequisites_check TO courses_check;

ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_content_check,
  ADD CONSTRAINT chat_messages_content_check CHECK (length(btrim(content)) > 0);
ALTER TABLE characters DROP CONSTRAINT characters_display_name_check,
  ADD CONSTRAINT characters_display_name_check CHECK (length(btrim(display_name)) > 0);
ALTER TABLE characters DROP CONSTRAINT characters_name_check,
  ADD CONSTRAINT characters_name_check CHECK (length(btrim(name)) > 0);
ALTER TABLE assessments DROP CONSTRAINT assessments_title_check,
  ADD CONSTRAINT assessments_title_check CHECK (length(btrim(title)) > 0);
ALTER TABLE courses DROP CONSTRAINT courses_title_check,
  ADD CONSTRAINT courses_title_check CHECK (length(btrim(title)) > 0);
ALTER TABLE users DROP CONSTRAINT users_display_name_check,
  ADD CONSTRAINT users_display_name_check CHECK (length(btrim(display_name)) > 0);
