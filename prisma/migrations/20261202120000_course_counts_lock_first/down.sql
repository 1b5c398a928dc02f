DROP TRIGGER courses_count_lock ON courses;
DROP FUNCTION course_counts_lock();
