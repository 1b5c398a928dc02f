import { z } from 'zod';

/** A URL whose scheme is one of `schemes`: "localhost:5432/db" parses as a URL too, with the scheme "localhost". */
function urlWithScheme(schemes: readonly string[]) {
  return z.url({
    protocol: new RegExp(`^(${schemes.join('|')})$`),
    error: `must be a URL starting with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`,
  });
}

function positiveInt(fallback: number, description: string) {
  return z.coerce.number().int().min(1).default(fallback).describe(description);
}

/** An integer setting of at least `min` (and at most `max`, when given). */
function intSetting(fallback: number, { min, max }: { min: number; max?: number }, description: string) {
  const bounded = z.coerce.number().int().min(min);
  return (max === undefined ? bounded : bounded.max(max)).default(fallback).describe(description);
}

/** Every environment variable the server reads, validated once at start-up. */
export const configSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'test', 'production'])
      .default('development')
      .describe('production turns off Sandbox, introspection and the generated development secret'),
    HOST: z.string().min(1).default('0.0.0.0').describe('interface the HTTP and WebSocket server binds to'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('port of /graphql, /healthz and /readyz'),
    DATABASE_URL: urlWithScheme(['postgresql', 'postgres'])
      .optional()
      .describe('PostgreSQL connection string; without it the server runs on an embedded PGlite database in .data/'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10).describe('connections in the pg pool'),
    DATABASE_POOL_TIMEOUT_MS: intSetting(
      5000,
      { min: 100 },
      'how long a query waits for a free pool connection before failing',
    ),
    DATABASE_STATEMENT_TIMEOUT_MS: intSetting(
      15_000,
      { min: 0 },
      'PostgreSQL cancels a statement that runs longer (stuck behind a lock, say); 0: no limit',
    ),
    EMBEDDED_DATA_DIR: z
      .string()
      .min(1)
      .default('.data/pglite')
      .describe('where the embedded database keeps its files'),
    JWT_SECRET: z
      .string()
      .min(32, 'JWT_SECRET must be at least 32 characters')
      .optional()
      .describe('HS256 secret shared with the PokerIQ Pro login; required in production'),
    JWT_ISSUER: z.string().min(1).optional().describe('when set, tokens must carry this iss claim'),
    JWT_AUDIENCE: z.string().min(1).optional().describe('when set, tokens must carry this aud claim'),
    CONTENT_ROOT: z.string().min(1).default('content').describe('folder that Course.contentPath is resolved against'),
    REDIS_URL: urlWithScheme(['redis', 'rediss'])
      .optional()
      .describe(
        'Redis for chat fan-out, rate limits, persisted queries and the response cache across instances; in-process without it',
      ),
    REDIS_KEY_PREFIX: z
      .string()
      .default('dz:')
      .describe('prefix of every Redis key and pub/sub channel, so deployments (or test runs) can share one Redis'),
    APQ_CACHE_TTL_SECONDS: positiveInt(
      86_400,
      'how long an automatic persisted query (a hash a client registered with its document) is kept, in Redis with REDIS_URL, in memory otherwise',
    ),
    APQ_CACHE_MAX_BYTES: positiveInt(
      32 * 1024 * 1024,
      'bytes of persisted-query documents one instance keeps in memory (least recently used go first); with REDIS_URL, Redis keeps them and its maxmemory policy bounds them',
    ),
    RESPONSE_CACHE_ENABLED: z
      .stringbool()
      .default(true)
      .describe(
        "cache whole anonymous responses of public reads (the schema's cache hints say which) on the server: in Redis with REDIS_URL, in memory otherwise; admin edits of courses, characters and assessments invalidate them",
      ),
    RESPONSE_CACHE_MAX_BYTES: positiveInt(
      64 * 1024 * 1024,
      'bytes of cached responses one instance keeps in memory (without REDIS_URL); least recently used go first',
    ),
    TRUSTED_DOCUMENTS_MANIFEST: z
      .string()
      .min(1)
      .default('tests/generated/persisted-documents.json')
      .describe(
        "the clients' persisted-documents manifest (sha256 hash -> document) that `npm run codegen` writes; documents are served by id from it",
      ),
    TRUSTED_DOCUMENTS_ONLY: z
      .stringbool()
      .default(false)
      .describe(
        'refuse every document that is not in TRUSTED_DOCUMENTS_MANIFEST (HTTP and WebSocket) with PERSISTED_QUERY_NOT_IN_LIST; clients send ids only',
      ),
    TRUSTED_DOCUMENTS_ALLOW_ADMINS: z
      .stringbool()
      .default(false)
      .describe('with TRUSTED_DOCUMENTS_ONLY: admins may still send any document (Sandbox, support tools)'),
    CHAT_SUBSCRIPTION_BUFFER: intSetting(
      100,
      { min: 1, max: 10000 },
      'live messages a chat subscription may fall behind before it ends with RATE_LIMITED (slow consumer)',
    ),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino log level'),
    METRICS_ENABLED: z
      .stringbool()
      .default(true)
      .describe('serve Prometheus metrics at /metrics (false: no metrics endpoint)'),
    METRICS_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe('serve /metrics on this port (same HOST) instead of PORT, to keep it off the public listener'),
    OTEL_EXPORTER_OTLP_ENDPOINT: urlWithScheme(['http', 'https'])
      .optional()
      .describe(
        'OTLP/HTTP collector (e.g. http://localhost:4318): traces go there; without it tracing is not even loaded',
      ),
    AI_BASE_URL: urlWithScheme(['https', 'http'])
      .optional()
      .describe('OpenAI-compatible API base URL; without it characters answer offline'),
    AI_API_KEY: z.string().optional().describe('bearer key for AI_BASE_URL'),
    AI_MODEL: z.string().default('gpt-4o-mini').describe('model name sent to AI_BASE_URL'),
    AI_TIMEOUT_MS: intSetting(
      15000,
      { min: 100 },
      'how long one attempt at a character reply may take; it also bounds the lease of a reply job',
    ),
    CHAT_REPLY_ATTEMPTS: intSetting(
      3,
      { min: 1, max: 10 },
      'attempts at a character reply (a provider error, a timeout or a process that stopped mid-reply each use one); after the last, one SYSTEM message says the character could not answer',
    ),
    CHAT_REPLY_RETRY_DELAY_SECONDS: intSetting(
      1,
      { min: 1 },
      'wait before the second attempt at a reply; it roughly doubles for each further attempt (with jitter)',
    ),
    CHAT_REPLY_CONCURRENCY: positiveInt(
      8,
      'character replies one instance writes at once (each instance takes jobs from the shared queue), by workers that each fetch up to 4 queued jobs at once',
    ),
    CHAT_REPLY_POLL_INTERVAL_MS: intSetting(
      1000,
      { min: 500 },
      "how often an idle reply worker looks for jobs; a message sent to this instance wakes its workers at once, so this bounds only other instances' pickup and retries",
    ),
    CHAT_REPLY_SWEEP_SECONDS: intSetting(
      10,
      { min: 1, max: 3600 },
      'how often the queue takes back replies whose lease (AI_TIMEOUT_MS plus 5 s) ran out, as when their process was killed',
    ),
    CHAT_DRAFT_INTERVAL_MS: intSetting(
      250,
      { min: 10 },
      'least time between two chatReplyDrafts events of one reply (the first and the last are sent at once)',
    ),
    GRAPHQL_MAX_DEPTH: positiveInt(10, 'deepest selection an operation may nest (fragments flattened)'),
    GRAPHQL_MAX_ALIASES: positiveInt(
      20,
      'aliased fields an operation may hold (1000 aliases of one field is fan-out abuse)',
    ),
    GRAPHQL_MAX_DIRECTIVES: positiveInt(20, 'directives an operation may hold'),
    GRAPHQL_MAX_TOKENS: positiveInt(2000, 'lexical tokens a document may hold; parsing stops past it'),
    GRAPHQL_MAX_COST: positiveInt(
      20000,
      'cost of an operation with its variables: 1 a field, times first/last (default 20) below a page, times 10 below any other list',
    ),
    GRAPHQL_COMPILED_OPERATIONS: positiveInt(
      500,
      'queries one instance keeps compiled by graphql-jit (least recently used go first); a query compiles on its first request',
    ),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt(
      10_000,
      'a client must send its request headers within this, or gets 408 and the connection closes',
    ),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt(
      30_000,
      'a client must send its whole request (headers and body) within this, or gets 408 and the connection closes',
    ),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(
      5_000,
      "an idle keep-alive connection closes after this; behind a load balancer, set it above the balancer's idle timeout",
    ),
    INPUT_MAX_STRING_LENGTH: positiveInt(
      20000,
      'characters any string argument or input field (ids, JSON strings and keys too) may hold; fields set their own lower limits',
    ),
    INPUT_MAX_LIST_LENGTH: positiveInt(
      200,
      'items any list argument or input field (JSON arrays too) may hold; fields set their own lower limits',
    ),
    INPUT_MAX_JSON_DEPTH: positiveInt(10, 'levels of objects and arrays a JSON argument may nest'),
    INPUT_MAX_JSON_BYTES: positiveInt(32768, 'size of a JSON argument, serialized as UTF-8 JSON'),
    WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt(
      3000,
      'a socket that sends no connection_init within this is closed with 4408',
    ),
    WS_KEEPALIVE_MS: positiveInt(
      12000,
      'ping interval of WebSocket sockets; one that misses a pong for as long is terminated',
    ),
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(20, 'subscriptions one socket may run at once'),
    WS_MAX_SOCKETS_PER_USER: positiveInt(10, 'open sockets per user (per address when anonymous) on one instance'),
    RATE_LIMIT_WINDOW_SECONDS: positiveInt(60, 'window of every mutation rate limit'),
    RATE_LIMIT_MUTATIONS: positiveInt(120, 'mutations per user (per address when anonymous) in a window'),
    RATE_LIMIT_CHAT_MESSAGES: positiveInt(30, 'sendChatMessage calls per user in a window'),
    RATE_LIMIT_ASSESSMENT_SUBMISSIONS: positiveInt(10, 'submitAssessment calls per user in a window'),
    SHUTDOWN_GRACE_MS: intSetting(
      10000,
      { min: 0 },
      'how long SIGTERM waits for in-flight requests, WebSocket clients and replies being written before cutting them (replies not started stay queued)',
    ),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS (Node refuses it)',
  })
  .refine((env) => env.NODE_ENV !== 'production' || env.JWT_SECRET !== undefined, {
    path: ['JWT_SECRET'],
    message: 'JWT_SECRET is required in production',
    // Runs even when other variables are malformed, so one start-up error names every problem.
    when: ({ issues }) => issues.every((issue) => issue.path?.[0] !== 'NODE_ENV' && issue.path?.[0] !== 'JWT_SECRET'),
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; the error names every missing or malformed variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
