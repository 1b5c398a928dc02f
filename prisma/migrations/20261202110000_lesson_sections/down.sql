-- Undoes 20261202110000_lesson_sections.
DROP TABLE lesson_sections;
