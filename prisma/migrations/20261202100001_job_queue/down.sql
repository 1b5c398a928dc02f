-- pg-boss keeps everything in its schema: its tables, types, functions and the queue's jobs.
DROP SCHEMA pgboss CASCADE;
