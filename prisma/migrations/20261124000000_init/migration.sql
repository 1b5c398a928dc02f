-- dezhoumama: courses, assessments, progress, AI characters and chat.
-- Data rules live here as constraints so that no writer (API, seed, psql) can store a row that breaks them.

-- updated_at follows every UPDATE, including ones made outside Prisma.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := CURRENT_TIMESTAMP;
  RETURN NEW;
END;
$$;

-- A question list is a non-empty array of objects that carry string id, type and prompt.
-- The full structure (options, answer, points) is validated by the API.
CREATE FUNCTION assessment_questions_are_valid(questions jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN jsonb_typeof(questions) <> 'array' THEN false
    WHEN jsonb_array_length(questions) = 0 THEN false
    ELSE NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(questions) AS q(question)
      WHERE jsonb_typeof(q.question) <> 'object'
         OR jsonb_typeof(q.question -> 'id') IS DISTINCT FROM 'string'
         OR jsonb_typeof(q.question -> 'type') IS DISTINCT FROM 'string'
         OR jsonb_typeof(q.question -> 'prompt') IS DISTINCT FROM 'string'
    )
  END
$$;

-- A personality is an object with systemPrompt (string), temperature (number 0-2) and tone (string).
CREATE FUNCTION character_personality_is_valid(config jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN jsonb_typeof(config) <> 'object' THEN false
    WHEN jsonb_typeof(config -> 'systemPrompt') IS DISTINCT FROM 'string' THEN false
    WHEN jsonb_typeof(config -> 'tone') IS DISTINCT FROM 'string' THEN false
    WHEN jsonb_typeof(config -> 'temperature') IS DISTINCT FROM 'number' THEN false
    ELSE (config ->> 'temperature')::numeric BETWEEN 0 AND 2
  END
$$;

-- Users are provisioned from PokerIQ Pro tokens: id is the token's sub.
CREATE TABLE users (
  id INTEGER PRIMARY KEY CHECK (id > 0),
  email VARCHAR(255) UNIQUE,
  display_name VARCHAR(255) NOT NULL CHECK (length(btrim(display_name)) > 0),
  role VARCHAR(20) NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'admin')),
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE courses (
  id SERIAL PRIMARY KEY,
  title VARCHAR(255) NOT NULL CHECK (length(btrim(title)) > 0),
  description TEXT,
  level VARCHAR(20) NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced')),
  -- The levels' teaching order, so that ORDER BY level means beginner, intermediate, advanced.
  level_rank SMALLINT GENERATED ALWAYS AS (
    CASE level WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'advanced' THEN 3 END
  ) STORED,
  content_path VARCHAR(500),
  video_url VARCHAR(500),
  thumbnail_url VARCHAR(500),
  duration_minutes INTEGER CHECK (duration_minutes >= 0),
  -- Ids of courses to complete first. Foreign keys cannot point from array elements, so the API checks
  -- that they exist and form no cycle; the database only rules out NULLs and self-reference.
  prerequisites INTEGER[] NOT NULL DEFAULT '{}'
    CHECK (array_position(prerequisites, NULL) IS NULL AND NOT (id = ANY (prerequisites))),
  tags VARCHAR(100)[] NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX courses_level_title_key ON courses (level, lower(title));
CREATE INDEX idx_courses_level ON courses (level);
CREATE INDEX idx_courses_tags ON courses USING GIN (tags);
CREATE INDEX idx_courses_active ON courses (id) WHERE is_active;

CREATE TABLE assessments (
  id SERIAL PRIMARY KEY,
  course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  title VARCHAR(255) NOT NULL CHECK (length(btrim(title)) > 0),
  description TEXT,
  questions JSONB NOT NULL CHECK (assessment_questions_are_valid(questions)),
  scoring_config JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(scoring_config) = 'object'),
  difficulty VARCHAR(20) NOT NULL CHECK (difficulty IN ('beginner', 'intermediate', 'advanced')),
  pass_threshold INTEGER NOT NULL DEFAULT 70 CHECK (pass_threshold BETWEEN 0 AND 100),
  time_limit_minutes INTEGER CHECK (time_limit_minutes >= 0),
  max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_assessments_course_id ON assessments (course_id);
CREATE INDEX idx_assessments_active ON assessments (course_id) WHERE is_active;

CREATE TABLE user_progress (
  id SERIAL PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  completion_rate DECIMAL(5, 2) NOT NULL DEFAULT 0 CHECK (completion_rate BETWEEN 0 AND 100),
  current_section INTEGER NOT NULL DEFAULT 1 CHECK (current_section >= 1),
  test_scores JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(test_scores) = 'array'),
  study_time_minutes INTEGER NOT NULL DEFAULT 0 CHECK (study_time_minutes >= 0),
  last_accessed TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  completed_at TIMESTAMPTZ(6),
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT user_progress_user_id_course_id_key UNIQUE (user_id, course_id),
  CONSTRAINT user_progress_completed_at_check CHECK (completed_at IS NULL OR completion_rate = 100)
);
CREATE INDEX idx_user_progress_user_id ON user_progress (user_id);
CREATE INDEX idx_user_progress_course_id ON user_progress (course_id);
CREATE INDEX idx_user_progress_completed ON user_progress (user_id, course_id) WHERE completed_at IS NOT NULL;

CREATE TABLE assessment_attempts (
  id SERIAL PRIMARY KEY,
  assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  attempt_number INTEGER NOT NULL CHECK (attempt_number >= 1),
  answers JSONB CHECK (answers IS NULL OR jsonb_typeof(answers) = 'array'),
  results JSONB CHECK (results IS NULL OR jsonb_typeof(results) = 'array'),
  score DECIMAL(5, 2) CHECK (score BETWEEN 0 AND 100),
  passed BOOLEAN,
  started_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deadline_at TIMESTAMPTZ(6) CHECK (deadline_at >= started_at),
  submitted_at TIMESTAMPTZ(6) CHECK (submitted_at >= started_at),
  CONSTRAINT assessment_attempts_user_assessment_number_key UNIQUE (user_id, assessment_id, attempt_number),
  -- A submitted attempt carries its score; an open one carries none.
  CONSTRAINT assessment_attempts_scored_when_submitted CHECK (
    (submitted_at IS NULL AND score IS NULL AND passed IS NULL)
    OR (submitted_at IS NOT NULL AND score IS NOT NULL AND passed IS NOT NULL)
  )
);
CREATE INDEX idx_assessment_attempts_assessment_id ON assessment_attempts (assessment_id);
-- At most one open (started, not submitted) attempt per learner and assessment.
CREATE UNIQUE INDEX assessment_attempts_one_open_key ON assessment_attempts (user_id, assessment_id)
  WHERE submitted_at IS NULL;

CREATE TABLE characters (
  id SERIAL PRIMARY KEY,
  name VARCHAR(100) NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
  display_name VARCHAR(255) NOT NULL CHECK (length(btrim(display_name)) > 0),
  personality_config JSONB NOT NULL CHECK (character_personality_is_valid(personality_config)),
  avatar_url VARCHAR(500),
  specialization VARCHAR(100) NOT NULL,
  description TEXT,
  backstory TEXT,
  skill_level VARCHAR(20) NOT NULL CHECK (skill_level IN ('beginner', 'intermediate', 'expert')),
  conversation_style VARCHAR(20) NOT NULL
    CHECK (conversation_style IN ('friendly', 'analytical', 'competitive')),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_characters_specialization ON characters (specialization);
CREATE INDEX idx_characters_active ON characters (id) WHERE is_active;

CREATE TABLE chat_sessions (
  id SERIAL PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  character_id INTEGER NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
  session_name VARCHAR(255),
  context_data JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(context_data) = 'object'),
  -- The last seq handed out; incremented in the same statement that claims a seq, so seqs never repeat.
  message_count INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  is_active BOOLEAN NOT NULL DEFAULT true,
  started_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_message_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ended_at TIMESTAMPTZ(6),
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT chat_sessions_ended_is_inactive CHECK (ended_at IS NULL OR NOT is_active)
);
CREATE INDEX idx_chat_sessions_user_id ON chat_sessions (user_id);
CREATE INDEX idx_chat_sessions_character_id ON chat_sessions (character_id);
CREATE INDEX idx_chat_sessions_last_message_at ON chat_sessions (last_message_at DESC);
CREATE INDEX idx_chat_sessions_active ON chat_sessions (user_id, last_message_at DESC) WHERE is_active;

CREATE TABLE chat_messages (
  id BIGSERIAL PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  role VARCHAR(20) NOT NULL CHECK (role IN ('user', 'character', 'system')),
  content TEXT NOT NULL CHECK (length(btrim(content)) > 0),
  client_message_id VARCHAR(100),
  metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT chat_messages_session_id_seq_key UNIQUE (session_id, seq),
  CONSTRAINT chat_messages_session_id_client_message_id_key UNIQUE (session_id, client_message_id)
);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER courses_set_updated_at BEFORE UPDATE ON courses FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER assessments_set_updated_at BEFORE UPDATE ON assessments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER user_progress_set_updated_at BEFORE UPDATE ON user_progress FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER characters_set_updated_at BEFORE UPDATE ON characters FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER chat_sessions_set_updated_at BEFORE UPDATE ON chat_sessions FOR EACH ROW EXECUTE FUNCTION set_updated_at();
