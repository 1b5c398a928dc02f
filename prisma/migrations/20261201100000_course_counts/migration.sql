-- The catalog's totalCount without counting the catalog: how many courses there are of each level and
-- activity, kept by triggers in the transaction of every write to courses, so a count is as exact as the
-- rows it stands for (a rolled-back write changes neither) and costs a read of at most six rows.
CREATE TABLE course_counts (
  level VARCHAR(20) NOT NULL,
  is_active BOOLEAN NOT NULL,
  courses INTEGER NOT NULL CHECK (courses >= 0),
  PRIMARY KEY (level, is_active)
);

INSERT INTO course_counts (level, is_active, courses)
SELECT level, is_active, count(*) FROM courses GROUP BY level, is_active;

CREATE FUNCTION course_counts_add(course_level VARCHAR, active BOOLEAN, delta INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- One transaction at a time changes the counters: a transaction that writes several courses (an insert,
  -- then a deactivation) locks several counter rows across statements, in an order no trigger can choose,
  -- and two such transactions deadlocked. The lock is taken before any counter row and held to the end of
  -- the transaction, so course writes that change counts queue instead (admins' writes, rare and short).
  PERFORM pg_advisory_xact_lock(7316002);
  -- A removal's key always has its row; an addition may be the first of its key. (An upsert cannot take
  -- both: the CHECK refuses the negative row it proposes before the conflict is seen.)
  IF delta < 0 THEN
    UPDATE course_counts SET courses = courses + delta WHERE level = course_level AND is_active = active;
  ELSE
    INSERT INTO course_counts AS counts (level, is_active, courses) VALUES (course_level, active, delta)
    ON CONFLICT (level, is_active) DO UPDATE SET courses = counts.courses + delta;
  END IF;
END $$;

CREATE FUNCTION course_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM course_counts_add(NEW.level, NEW.is_active, 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM course_counts_add(OLD.level, OLD.is_active, -1);
  ELSIF (OLD.level, OLD.is_active) < (NEW.level, NEW.is_active) THEN
    -- The lower key first, whichever way the course moves: two writes moving courses between the same two
    -- keys then lock the counter rows in the same order and cannot deadlock.
    PERFORM course_counts_add(OLD.level, OLD.is_active, -1);
    PERFORM course_counts_add(NEW.level, NEW.is_active, 1);
  ELSIF (OLD.level, OLD.is_active) > (NEW.level, NEW.is_active) THEN
    PERFORM course_counts_add(NEW.level, NEW.is_active, 1);
    PERFORM course_counts_add(OLD.level, OLD.is_active, -1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER courses_count AFTER INSERT OR DELETE OR UPDATE OF level, is_active ON courses
  FOR EACH ROW EXECUTE FUNCTION course_counts_track();

CREATE FUNCTION course_counts_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM course_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER courses_count_truncate AFTER TRUNCATE ON courses
  FOR EACH STATEMENT EXECUTE FUNCTION course_counts_reset();
