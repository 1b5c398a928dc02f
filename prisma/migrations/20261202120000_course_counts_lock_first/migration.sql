-- course_counts' lock before a statement locks any course row. Taken by the row triggers, it came after the
-- row's lock: a transaction holding the counters' lock (it had inserted a course) that then updated a course
-- another transaction had just updated waited for that row, while the other waited for the counters' lock in
-- its row trigger: a deadlock, one of the two aborted. A statement-level trigger takes it first instead, so a
-- transaction that writes courses holds the counters' lock before it holds any course row.
CREATE FUNCTION course_counts_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7316002);
  RETURN NULL;
END $$;

CREATE TRIGGER courses_count_lock BEFORE INSERT OR DELETE OR UPDATE OF level, is_active ON courses
  FOR EACH STATEMENT EXECUTE FUNCTION course_counts_lock();
