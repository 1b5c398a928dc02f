-- Undoes 20261201100000_course_counts.
DROP TRIGGER courses_count_truncate ON courses;
DROP FUNCTION course_counts_reset();
DROP TRIGGER courses_count ON courses;
DROP FUNCTION course_counts_track();
DROP FUNCTION course_counts_add(VARCHAR, BOOLEAN, INTEGER);
DROP TABLE course_counts;
