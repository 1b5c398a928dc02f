-- The lessons' sections, for the offline coach's full-text search: one row per `## ` section of an active
-- course's Markdown (position 0 is the text before the first section), written at seed and by every course
-- write that changes the lesson (src/platform/db/lesson-index.ts). The search vector weighs the section's
-- heading A, the lesson's title B and the section's text D, so a question naming a heading's words finds
-- that section before one that only mentions them. The 'english' configuration stems ("beats" -> "beat")
-- and drops stopwords; it exists in every PostgreSQL, PGlite included.
CREATE TABLE lesson_sections (
  course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  lesson_title VARCHAR(255) NOT NULL,
  heading TEXT NOT NULL,
  body TEXT NOT NULL,
  search TSVECTOR NOT NULL GENERATED ALWAYS AS (
    setweight(to_tsvector('english', heading), 'A')
    || setweight(to_tsvector('english', lesson_title), 'B')
    || setweight(to_tsvector('english', body), 'D')
  ) STORED,
  PRIMARY KEY (course_id, position)
);

CREATE INDEX idx_lesson_sections_search ON lesson_sections USING GIN (search);
