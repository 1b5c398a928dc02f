import { PgBoss } from 'pg-boss';
import type { Logger } from './logger.js';

/**
 * The job queue: pg-boss over the server's PostgreSQL, in its own schema `pgboss` (installed by the migration
 * 20261202100001_job_queue; a pg-boss release with a newer schema needs a migration of its own, from its
 * getMigrationPlans). It holds jobs as rows, so a job is enqueued in the transaction that makes it necessary,
 * and any instance takes it with SELECT ... FOR UPDATE SKIP LOCKED.
 *
 * It gets a small pool of its own: fetching, completing and the maintenance sweep are short statements, and
 * keeping them off the server's pool keeps them out of its statement count and its connection budget. No
 * LISTEN/NOTIFY: on the embedded database (PGlite, one session) a LISTEN connection stalled the queue when
 * measured (behind pglite-socket, before platform/db's own wire server), so workers poll, and the instance
 * that enqueues wakes its own at once.
 */

/** Connections of the queue's own pool. */
export const QUEUE_POOL_SIZE = 2;
const SCHEMA = 'pgboss';

export interface QueueOptions {
  /** How often the queue fails jobs whose lease ran out (so they are retried) and deletes old ones. */
  sweepSeconds: number;
}

export async function openJobQueue(databaseUrl: string, logger: Logger, { sweepSeconds }: QueueOptions) {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: SCHEMA,
    max: QUEUE_POOL_SIZE,
    application_name: 'dezhoumama-queue',
    // Expired leases are found by the monitor pass, which runs as often as the longer of these two.
    superviseIntervalSeconds: sweepSeconds,
    monitorIntervalSeconds: sweepSeconds,
    // Re-reading the queues' settings and resolving job flows (dependencies, unused here: pg-boss polls for
    // them every 5 s by default) need no more than the sweep.
    queueCacheIntervalSeconds: sweepSeconds,
    flowIntervalSeconds: sweepSeconds,
    // Cron and the instance registry are features this server does not use; each would poll the database.
    schedule: false,
    registerInstance: false,
    // The schema is the migrator's (so rollbacks and the catalog test see it): pg-boss only checks its version.
    migrate: false,
  });
  boss.on('error', (error: unknown) => logger.warn({ err: error }, 'job queue error (it retries)'));
  boss.on('warning', (warning: unknown) => logger.warn({ warning }, 'job queue warning'));
  try {
    await boss.start();
  } catch (error) {
    throw new Error(
      `The job queue cannot start (${(error as Error).message}): apply the migrations with \`npm run db:migrate\``,
      { cause: error },
    );
  }
  return boss;
}

export type JobQueue = PgBoss;
