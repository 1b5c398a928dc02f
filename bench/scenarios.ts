import type autocannon from 'autocannon';
import type pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { authSettings, signToken } from '../src/auth/token.js';
import { benchUser } from './dataset.js';
import { percentiles, runLoad, runPaced, TIMEOUT_MS, type LatencyMs, type LoadResult } from './load.js';
import type { RunningTarget, TargetName } from './targets.js';

/**
 * The operations real clients send, each as a scenario: the GraphQL documents it uses (checked against
 * schema.graphql before it runs, so that a scenario waits for the fields it needs), who it runs against,
 * and how to drive it. Viewers, sessions and courses are picked from the generated data.
 */

export interface ScenarioContext {
  /** The bench database, for picking viewers and sessions (not the servers' pool). */
  db: pg.ClientBase;
  /** The JWT_SECRET the servers run with. */
  jwtSecret: string;
  /** Viewers (or sessions) each HTTP scenario spreads its requests over. */
  viewers: number;
  /** Requests per second of the write mix (scenario 4) and of the fan-outs' paced phase (scenarios 5 and 7). */
  writeRate: number;
  /** Subscribed sockets of the fan-outs (scenarios 5 and 7). */
  sockets: number;
  /** Scenario 6: an admin edits a course at most this often (ms) while the anonymous reads run. */
  adminEditIntervalMs: number;
}

export interface RunSettings {
  connections: number;
  /** Seconds; or `amount` requests (the statement probe, warm-ups and --quick runs). */
  duration?: number;
  amount?: number;
  /**
   * The statement probe: sequential requests only (no fixed-rate phase, which would send concurrently),
   * and the fan-out subscribes a few sockets only.
   */
  probe?: boolean;
  /** Called when the measured requests start (after any warm-up the scenario does itself). */
  onMeasure?: () => void;
}

export interface FanoutResult {
  sockets: number;
  /** Sending at the fixed rate (--rate): the latency a learner sees. Not measured by the probe. */
  paced: { messagesPerSecond: number; sendToReceiveMs: LatencyMs } | null;
  /** Sending as fast as the connections allow: what the server can deliver (character replies included). */
  saturated: { deliveriesPerSecond: number; sendToReceiveMs: LatencyMs };
  /**
   * The offline coach's replies in the paced phase, per sent message: until the first chatReplyDrafts event of
   * its session (null when the sockets do not subscribe to drafts), and until the reply on chatMessageAdded.
   * Not measured by the probe.
   */
  replies: { firstDraftMs: LatencyMs | null; replyMs: LatencyMs } | null;
  /** Messages sent but not received within the drain time. */
  undelivered: number;
  /** Messages of any phase, the warm-up's too, whose reply did not arrive within the drain time. */
  unanswered: number;
  /** Subscription errors and unexpected socket closes. */
  socketErrors: number;
}

/** Scenario 6: how the response cache answered while admins edited the catalog. */
export interface CacheResult {
  adminEdits: number;
  /** Reads answered from the cache (an `age` header), and built by the server. */
  cachedReads: number;
  builtReads: number;
  /** Reads sent after an edit had been answered that still showed the course as it was before it (or not at all). */
  staleReads: number;
}

export interface ScenarioResult extends LoadResult {
  fanout?: FanoutResult;
  cache?: CacheResult;
}

export interface PreparedScenario {
  run(target: RunningTarget, settings: RunSettings): Promise<ScenarioResult>;
  /** Requests that visit every viewer once: the probe's warm-up, so the project has seen every token. */
  pass: number;
  /** One fixed request, for comparing the JSON of the targets. */
  sample?: { headers: Record<string, string>; body: string };
}

export interface Scenario {
  id: number;
  name: string;
  description: string;
  documents: string[];
  targets: TargetName[];
  prepare(context: ScenarioContext): Promise<PreparedScenario>;
}

const PAGE_SIZE = 20;

const CATALOG_PAGE = /* GraphQL */ `
  query CatalogPage($first: Int!) {
    courses(first: $first) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          title
          level
          durationMinutes
          tags
          isUnlocked
          prerequisites {
            id
            title
          }
          assessments {
            id
            title
            viewerAttemptsRemaining
          }
          viewerProgress {
            id
            completionRate
            testScores {
              assessmentId
              score
              passed
              submittedAt
            }
          }
        }
      }
    }
  }
`;

const LEARNER_DASHBOARD = /* GraphQL */ `
  query LearnerDashboard {
    viewer {
      id
      displayName
      progress(first: 20) {
        totalCount
        edges {
          node {
            id
            completionRate
            lastAccessed
            course {
              id
              title
            }
          }
        }
      }
      recommendedCourses(first: 5) {
        id
        title
        level
      }
      chatSessions(first: 10) {
        edges {
          node {
            id
            sessionName
            lastMessageAt
            character {
              displayName
            }
          }
        }
      }
    }
  }
`;

const CHAT_HISTORY = /* GraphQL */ `
  query ChatHistory($sessionId: ID!, $before: String) {
    chatSession(id: $sessionId) {
      id
      messages(last: 50, before: $before) {
        pageInfo {
          hasPreviousPage
          startCursor
        }
        edges {
          node {
            id
            seq
            role
            content
            createdAt
          }
        }
      }
    }
  }
`;

const RECORD_PROGRESS = /* GraphQL */ `
  mutation RecordProgress($courseId: ID!, $input: ProgressInput!) {
    recordProgress(courseId: $courseId, input: $input) {
      id
      completionRate
      studyTimeMinutes
      lastAccessed
    }
  }
`;

const SEND_CHAT_MESSAGE = /* GraphQL */ `
  mutation SendChatMessage($sessionId: ID!, $content: String!, $clientMessageId: String) {
    sendChatMessage(sessionId: $sessionId, content: $content, clientMessageId: $clientMessageId) {
      id
      seq
      createdAt
    }
  }
`;

const CHAT_REPLY_DRAFTS = /* GraphQL */ `
  subscription ChatReplyDrafts($sessionId: ID!) {
    chatReplyDrafts(sessionId: $sessionId) {
      inReplyToSeq
    }
  }
`;

const CHAT_MESSAGE_ADDED = /* GraphQL */ `
  subscription ChatMessageAdded($sessionId: ID!) {
    chatMessageAdded(sessionId: $sessionId) {
      id
      seq
      role
      content
    }
  }
`;

/** What anonymous visitors of the apps load: the public fields only, so the whole answer is cacheable. */
const ANONYMOUS_CATALOG = /* GraphQL */ `
  query AnonymousCatalog($first: Int!) {
    courses(first: $first, orderBy: { field: LEVEL, direction: ASC }) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          title
          level
          durationMinutes
          tags
          prerequisites {
            id
            title
          }
          assessments {
            id
            title
            maxAttempts
          }
        }
      }
    }
  }
`;

const EDIT_COURSE_DURATION = /* GraphQL */ `
  mutation EditCourseDuration($id: ID!, $minutes: Int!) {
    updateCourse(id: $id, input: { durationMinutes: $minutes }) {
      id
      durationMinutes
    }
  }
`;

function tokens(context: ScenarioContext): (userId: number) => Promise<string> {
  const settings = authSettings(context.jwtSecret);
  const signed = new Map<number, Promise<string>>();
  return (userId) => {
    let token = signed.get(userId);
    if (!token) {
      // The claims of the generated user, so that the project's user provisioning never has to write.
      const { email, name } = benchUser(userId);
      token = signToken(settings, { sub: userId, role: 'learner', email, name });
      signed.set(userId, token);
    }
    return token;
  };
}

/** The next item of a list, round and round, shared by all connections so the load spreads over every viewer. */
function cycle<T>(items: T[]): () => T {
  if (items.length === 0) throw new Error('the dataset has nothing for this scenario');
  let next = 0;
  return () => items[next++ % items.length]!;
}

interface Call {
  token: string;
  variables: Record<string, unknown>;
}

function graphqlBody(document: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query: document, variables });
}

function headersFor(token: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

/**
 * A request (autocannon's shape; runPaced takes it too) that sends `document` with the viewer and variables
 * `next` picks each time.
 */
function graphqlRequest(
  document: string,
  next: (context: Record<string, unknown>) => Call,
  onResponse?: (body: string, context: Record<string, unknown>) => void,
): autocannon.Request {
  return {
    method: 'POST',
    path: '/graphql',
    setupRequest(request, context) {
      const { token, variables } = next(context as Record<string, unknown>);
      return { ...request, headers: headersFor(token), body: graphqlBody(document, variables) };
    },
    ...(onResponse
      ? {
          onResponse: (_status: number, body: string, context: object) =>
            onResponse(body, context as Record<string, unknown>),
        }
      : {}),
  };
}

function httpScenario({
  requests,
  pass,
  sample,
  rate,
}: {
  requests: autocannon.Request[];
  pass: number;
  sample?: Call & { document: string };
  /** Requests per second, open-loop (runPaced), except in the probe; as fast as possible without it. */
  rate?: number;
}): PreparedScenario {
  return {
    pass,
    run(target, settings) {
      settings.onMeasure?.();
      return rate && !settings.probe
        ? runPaced({ url: target.url, rate, duration: settings.duration, amount: settings.amount, requests })
        : runLoad({ url: target.url, ...settings, requests });
    },
    ...(sample
      ? { sample: { headers: headersFor(sample.token), body: graphqlBody(sample.document, sample.variables) } }
      : {}),
  };
}

async function ids<T>(context: ScenarioContext, sql: string, limit: number): Promise<T[]> {
  return (await context.db.query(sql, [limit])).rows as T[];
}

/** Unique per process and call, so that clientMessageIds never collide with an earlier phase or run. */
let messageCounter = 0;
const nextMessageId = () => `bench-${process.pid}-${++messageCounter}`;

async function catalogPage(context: ScenarioContext): Promise<PreparedScenario> {
  // Learners whose progress covers part of the first page, some of it completed.
  const viewers = await ids<{ user_id: number }>(
    context,
    `SELECT user_id FROM user_progress WHERE course_id <= ${PAGE_SIZE} GROUP BY user_id
     HAVING count(*) >= 3 AND count(*) FILTER (WHERE completed_at IS NOT NULL) > 0 ORDER BY user_id LIMIT $1`,
    context.viewers,
  );
  const token = tokens(context);
  const calls = await Promise.all(
    viewers.map(async ({ user_id }) => ({ token: await token(user_id), variables: { first: PAGE_SIZE } })),
  );
  return httpScenario({
    requests: [graphqlRequest(CATALOG_PAGE, cycle(calls))],
    pass: calls.length,
    sample: { ...calls[0]!, document: CATALOG_PAGE },
  });
}

async function learnerDashboard(context: ScenarioContext): Promise<PreparedScenario> {
  const viewers = await ids<{ user_id: number }>(
    context,
    'SELECT DISTINCT user_id FROM chat_sessions ORDER BY user_id LIMIT $1',
    context.viewers,
  );
  const token = tokens(context);
  const calls = await Promise.all(viewers.map(async ({ user_id }) => ({ token: await token(user_id), variables: {} })));
  return httpScenario({ requests: [graphqlRequest(LEARNER_DASHBOARD, cycle(calls))], pass: calls.length });
}

async function chatHistory(context: ScenarioContext): Promise<PreparedScenario> {
  // The long sessions, so that the page before the last 50 messages has messages too.
  const sessions = await ids<{ id: number; user_id: number }>(
    context,
    'SELECT id, user_id FROM chat_sessions WHERE message_count > 100 ORDER BY id LIMIT $1',
    context.viewers,
  );
  const token = tokens(context);
  const next = cycle(
    await Promise.all(
      sessions.map(async ({ id, user_id }) => ({
        token: await token(user_id),
        sessionId: encodeGlobalID('ChatSession', id),
      })),
    ),
  );
  return httpScenario({
    pass: 2 * sessions.length,
    requests: [
      graphqlRequest(
        CHAT_HISTORY,
        (connection) => {
          const session = next();
          connection.session = session;
          return { token: session.token, variables: { sessionId: session.sessionId } };
        },
        (body, connection) => {
          const parsed = JSON.parse(body) as {
            data?: { chatSession?: { messages?: { pageInfo?: { startCursor?: string | null } } } | null };
          };
          connection.before = parsed.data?.chatSession?.messages?.pageInfo?.startCursor ?? null;
        },
      ),
      graphqlRequest(CHAT_HISTORY, (connection) => {
        const session = connection.session as { token: string; sessionId: string };
        return { token: session.token, variables: { sessionId: session.sessionId, before: connection.before } };
      }),
    ],
  });
}

interface Writer {
  token: string;
  sessionId: string;
  courseId: string;
}

async function writers(context: ScenarioContext, count: number): Promise<Writer[]> {
  // One session per user (sessions 1..users/4 have distinct owners), with a course the user has started.
  const rows = await ids<{ id: number; user_id: number; course_id: number }>(
    context,
    `SELECT DISTINCT ON (s.user_id) s.id, s.user_id,
            (SELECT p.course_id FROM user_progress p WHERE p.user_id = s.user_id ORDER BY p.id LIMIT 1) AS course_id
     FROM chat_sessions s WHERE s.is_active ORDER BY s.user_id, s.id LIMIT $1`,
    count,
  );
  const token = tokens(context);
  return Promise.all(
    rows.map(async (row) => ({
      token: await token(row.user_id),
      sessionId: encodeGlobalID('ChatSession', row.id),
      courseId: encodeGlobalID('Course', row.course_id),
    })),
  );
}

async function writeMix(context: ScenarioContext): Promise<PreparedScenario> {
  const pool = await writers(context, context.viewers);
  const next = cycle(pool);
  return httpScenario({
    pass: pool.length,
    rate: context.writeRate,
    requests: [
      graphqlRequest(RECORD_PROGRESS, () => {
        const writer = next();
        return {
          token: writer.token,
          variables: { courseId: writer.courseId, input: { studyMinutes: 5, completionRate: 60, currentSection: 2 } },
        };
      }),
      graphqlRequest(SEND_CHAT_MESSAGE, () => {
        const writer = next();
        return {
          token: writer.token,
          variables: {
            sessionId: writer.sessionId,
            content: 'What should I study next?',
            clientMessageId: nextMessageId(),
          },
        };
      }),
    ],
  });
}

interface Subscriber {
  client: Client;
  writer: Writer;
}

/**
 * What a fan-out socket reports: its session's messages, and that a draft of a reply arrived (null: the socket
 * does not subscribe to drafts).
 */
interface SubscriberEvents {
  onMessage: (message: { role: string; content: string }) => void;
  onDraft: (() => void) | null;
  onError: () => void;
}

async function subscribe(
  target: RunningTarget,
  writer: Writer,
  { onMessage, onDraft, onError }: SubscriberEvents,
): Promise<Subscriber> {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url: target.wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${writer.token}` },
    // A socket the server refuses (closed before it is acknowledged) counts as an error and is not waited for.
    on: { connected: () => connected(), closed: () => connected(), error: onError },
  });
  client.subscribe<{ chatMessageAdded: { role: string; content: string } }>(
    { query: CHAT_MESSAGE_ADDED, variables: { sessionId: writer.sessionId } },
    {
      next: (result) => (result.data ? onMessage(result.data.chatMessageAdded) : onError()),
      error: onError,
      complete: () => undefined,
    },
  );
  if (onDraft) {
    client.subscribe(
      { query: CHAT_REPLY_DRAFTS, variables: { sessionId: writer.sessionId } },
      { next: (result) => (result.data ? onDraft() : onError()), error: onError, complete: () => undefined },
    );
  }
  await ready;
  return { client, writer };
}

/** Sockets of the fan-out that connect and subscribe at once. */
const CONNECT_WAVE = 100;

/** How long sent messages may take to arrive after the senders stop before they count as undelivered. */
const DRAIN_MS = 10_000;

/**
 * Messages sent and not yet received on their session's socket, by content (unique per send), with the
 * time each was sent; `allArrived` resolves when none is left (or after DRAIN_MS).
 */
class InFlight {
  readonly sentAt = new Map<string, number>();
  readonly latencies: number[] = [];
  delivered = 0;
  private empty: (() => void) | null = null;

  sent(content: string): void {
    this.sentAt.set(content, performance.now());
  }

  failed(content: string): void {
    this.sentAt.delete(content);
    if (this.sentAt.size === 0) this.empty?.();
  }

  received(message: { role: string; content: string }): void {
    this.delivered += 1;
    const started = this.sentAt.get(message.content);
    if (message.role !== 'USER' || started === undefined) return;
    this.latencies.push(performance.now() - started);
    this.failed(message.content);
  }

  allArrived(): Promise<void> {
    if (this.sentAt.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DRAIN_MS);
      this.empty = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  reset(): void {
    this.sentAt.clear();
    this.latencies.length = 0;
    this.delivered = 0;
  }
}

/**
 * Per session, when its latest message was sent and how long until the first draft of its reply and the reply
 * itself: at the paced rate a session has one message in flight at a time, so the session names the message.
 * Whatever the rate, how many sent messages still wait for their reply (`owed`).
 */
class ReplyLatencies {
  private readonly pending = new Map<string, { sentAt: number; drafted: boolean }>();
  readonly firstDraftMs: number[] = [];
  readonly replyMs: number[] = [];
  private owed = 0;
  private empty: (() => void) | null = null;

  sent(sessionId: string): void {
    this.owed += 1;
    this.pending.set(sessionId, { sentAt: performance.now(), drafted: false });
  }

  /** A send answered with errors: no reply is coming for it. */
  refused(): void {
    this.paid();
  }

  drafted(sessionId: string): void {
    const pending = this.pending.get(sessionId);
    if (!pending || pending.drafted) return;
    pending.drafted = true;
    this.firstDraftMs.push(performance.now() - pending.sentAt);
  }

  replied(sessionId: string): void {
    const pending = this.pending.get(sessionId);
    if (pending) {
      this.replyMs.push(performance.now() - pending.sentAt);
      this.pending.delete(sessionId);
    }
    this.paid();
  }

  private paid(): void {
    this.owed = Math.max(0, this.owed - 1);
    if (this.owed === 0) this.empty?.();
  }

  /** Resolves when every sent message has its reply (or after DRAIN_MS); how many never got one. */
  async allReplied(): Promise<number> {
    if (this.owed > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_MS);
        this.empty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.owed;
  }

  reset(): void {
    this.owed = 0;
    this.pending.clear();
    this.firstDraftMs.length = 0;
    this.replyMs.length = 0;
  }
}

/**
 * The fan-out, each socket subscribed to its session's messages and, with `drafts`, to its reply drafts too
 * (without: the fan-out as code from before chatReplyDrafts can serve it, for A/Bs against such code).
 */
async function chatFanout(context: ScenarioContext, { drafts }: { drafts: boolean }): Promise<PreparedScenario> {
  const all = await writers(context, context.sockets);
  return {
    // The fan-out warms itself (one message per socket before it measures).
    pass: 1,
    async run(target, settings) {
      const chosen = settings.probe ? all.slice(0, 5) : all;
      const inFlight = new InFlight();
      const replies = new ReplyLatencies();
      let socketErrors = 0;
      // In waves: the scenario measures delivery to open sockets, not 1,000 sign-ins (two subscriptions each)
      // racing for the pool at once, which on a loaded machine outwaits DATABASE_POOL_TIMEOUT_MS.
      const subscribers: Subscriber[] = [];
      for (let start = 0; start < chosen.length; start += CONNECT_WAVE) {
        const wave = chosen.slice(start, start + CONNECT_WAVE).map((writer) =>
          subscribe(target, writer, {
            onMessage: (message) => {
              inFlight.received(message);
              if (message.role === 'CHARACTER') replies.replied(writer.sessionId);
            },
            onDraft: drafts ? () => replies.drafted(writer.sessionId) : null,
            onError: () => (socketErrors += 1),
          }),
        );
        subscribers.push(...(await Promise.all(wave)));
      }
      let n = 0;
      const send = (label: string, load: RunSettings, paced: boolean) => {
        const requests = [
          graphqlRequest(
            SEND_CHAT_MESSAGE,
            (connection) => {
              const writer = chosen[n % chosen.length]!;
              const content = `${label} ${n++}`;
              connection.content = content;
              inFlight.sent(content);
              replies.sent(writer.sessionId);
              return {
                token: writer.token,
                variables: { sessionId: writer.sessionId, content, clientMessageId: nextMessageId() },
              };
            },
            (body, connection) => {
              if (!body.includes('"errors":')) return;
              inFlight.failed(connection.content as string);
              replies.refused();
            },
          ),
        ];
        return paced
          ? runPaced({ url: target.url, rate: context.writeRate, ...load, requests })
          : runLoad({ url: target.url, ...load, requests });
      };
      /**
       * Sends, then waits for every sent message to arrive on its socket (deliveries count replies too), then
       * for every reply: replies are written by the job queue's workers, and a backlog left by one phase
       * would be measured in the next (or in the next target's run), its work counted in none.
       */
      const measure = async (label: string, load: RunSettings, paced = false) => {
        inFlight.reset();
        replies.reset();
        const started = performance.now();
        const result = await send(label, load, paced);
        await inFlight.allArrived();
        const seconds = (performance.now() - started) / 1000;
        const { delivered, latencies } = inFlight;
        const sendToReceiveMs = percentiles(latencies);
        const undelivered = inFlight.sentAt.size;
        const unanswered = await replies.allReplied();
        // Paced, each session has one message in flight: its draft and reply latencies are that message's.
        const answered = paced
          ? {
              firstDraftMs: drafts ? percentiles(replies.firstDraftMs) : null,
              replyMs: percentiles(replies.replyMs),
            }
          : null;
        return { result, seconds, delivered, sendToReceiveMs, undelivered, unanswered, answered };
      };
      try {
        // Warm-up: one message per socket, each awaited on its socket, so every subscription is live.
        const warmUp = await measure('warm-up', { connections: settings.connections, amount: chosen.length });
        // At a fixed rate first (what a learner waits for), then as fast as the connections go (capacity).
        const paced = settings.probe ? null : await measure('paced', settings, true);
        settings.onMeasure?.();
        const saturated = await measure('saturated', settings);
        return {
          ...saturated.result,
          fanout: {
            sockets: chosen.length,
            paced: paced && {
              messagesPerSecond: Math.round(paced.result.requests / paced.seconds),
              sendToReceiveMs: paced.sendToReceiveMs,
            },
            saturated: {
              deliveriesPerSecond: Math.round(saturated.delivered / saturated.seconds),
              sendToReceiveMs: saturated.sendToReceiveMs,
            },
            replies: paced?.answered ?? null,
            undelivered: (paced?.undelivered ?? 0) + saturated.undelivered,
            unanswered: warmUp.unanswered + (paced?.unanswered ?? 0) + saturated.unanswered,
            socketErrors,
          },
        };
      } finally {
        await Promise.all(subscribers.map((subscriber) => subscriber.client.dispose()));
      }
    },
  };
}

/** A response header's value from autocannon (an object, or a flat [name, value, ...] list) or fetch. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    const index = headers.findIndex((entry, i) => i % 2 === 0 && String(entry).toLowerCase() === name);
    return index >= 0 ? String(headers[index + 1]) : undefined;
  }
  const value = (headers as Record<string, unknown> | undefined)?.[name];
  return value === undefined ? undefined : String(value);
}

/** Edits of the course set durationMinutes to 1, 2, 3, ... across runs, so a stale answer shows a smaller one. */
let editedMinutes = 0;

async function anonymousCatalog(context: ScenarioContext): Promise<PreparedScenario> {
  const { rows } = await context.db.query<{ id: number }>(
    'SELECT id FROM courses WHERE is_active ORDER BY level_rank, id LIMIT 1',
  );
  const courseId = encodeGlobalID('Course', rows[0]!.id);
  const adminId = 1;
  const adminToken = await signToken(authSettings(context.jwtSecret), {
    sub: adminId,
    role: 'admin',
    ...benchUser(adminId),
  });
  const variables = { first: PAGE_SIZE };
  const readPath = `/graphql?${new URLSearchParams({ query: ANONYMOUS_CATALOG, variables: JSON.stringify(variables) })}`;
  // Apollo's CSRF prevention wants this header on a GET (a CDN forwards it).
  const readHeaders = { 'apollo-require-preflight': 'true' };
  const minutesOfCourse = (body: string) => {
    const at = body.indexOf(`"id":"${courseId}"`);
    const match = at < 0 ? null : /"durationMinutes":(\d+)/.exec(body.slice(at, at + 2000));
    return match ? Number(match[1]) : null;
  };
  return {
    pass: 1,
    sample: { headers: { 'content-type': 'application/json' }, body: graphqlBody(ANONYMOUS_CATALOG, variables) },
    async run(target, settings) {
      const cache: CacheResult = { adminEdits: 0, cachedReads: 0, builtReads: 0, staleReads: 0 };
      /** The latest edit answered: every read sent after it must show at least its minutes. */
      let answeredMinutes = 0;
      // Edits go beside the load, not through autocannon: an edit of a run's last moment that autocannon
      // abandoned at the end of the run (a warm-up's) would still commit during the next run and set an older
      // duration after that run's edits (seen under load as stale reads, built and cached alike). Each run
      // waits for its own edits.
      const edit = async () => {
        const minutes = ++editedMinutes;
        const response = await fetch(new URL('/graphql', target.url), {
          method: 'POST',
          headers: headersFor(adminToken),
          body: graphqlBody(EDIT_COURSE_DURATION, { id: courseId, minutes }),
          // A run waits for its edits: one that hangs fails the run instead of holding it.
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        const answer = (await response.json()) as { errors?: unknown };
        if (response.status !== 200 || answer.errors) {
          throw new Error(`admin edit failed (${response.status}): ${JSON.stringify(answer).slice(0, 300)}`);
        }
        cache.adminEdits += 1;
        answeredMinutes = Math.max(answeredMinutes, minutes);
      };
      // None in the probe: the targets are separate instances without a shared Redis, so one's edits would not
      // invalidate the other's cache before the JSON check. A run opens with an edit, so that however short it
      // is (a quick run's 30 requests on an idle machine take less than the interval) it shows the invalidation.
      if (!settings.probe) await edit();
      // One edit at a time, so that they commit in the order of their minutes; a failed one fails the run.
      let editing: Promise<void> | undefined;
      let editFailure: unknown;
      const editTimer = settings.probe
        ? undefined
        : setInterval(() => {
            editing ??= edit()
              .catch((error: unknown) => {
                editFailure ??= error;
              })
              .finally(() => {
                editing = undefined;
              });
          }, context.adminEditIntervalMs);
      const request: autocannon.Request = {
        method: 'GET',
        path: readPath,
        headers: readHeaders,
        setupRequest(base, state) {
          (state as { expected: number }).expected = answeredMinutes;
          return base;
        },
        onResponse(_status, body, state, headers) {
          if (headerOf(headers, 'age') !== undefined) cache.cachedReads += 1;
          else cache.builtReads += 1;
          // An answer without the edited course counts as stale too: the check must be able to fail.
          const minutes = minutesOfCourse(body);
          if (minutes === null || minutes < (state as { expected: number }).expected) cache.staleReads += 1;
        },
      };
      settings.onMeasure?.();
      let result: LoadResult;
      try {
        result = await runLoad({ url: target.url, ...settings, requests: [request] });
      } finally {
        clearInterval(editTimer);
        await editing;
      }
      if (editFailure) throw editFailure;
      return { ...result, cache };
    },
  };
}

export const SCENARIOS: Scenario[] = [
  {
    id: 1,
    name: 'catalog page',
    description: `courses(first: ${PAGE_SIZE}) with prerequisites, assessments (viewerAttemptsRemaining), viewerProgress (testScores), isUnlocked, totalCount, as a learner with progress`,
    documents: [CATALOG_PAGE],
    targets: ['project', 'apollo', 'jit', 'limit', 'naive'],
    prepare: catalogPage,
  },
  {
    id: 2,
    name: 'learner dashboard',
    description: 'viewer with progress(first: 20) and their courses, recommendedCourses, chatSessions',
    documents: [LEARNER_DASHBOARD],
    targets: ['project'],
    prepare: learnerDashboard,
  },
  {
    id: 3,
    name: 'chat history',
    description: "a session's last 50 messages, then the 50 before (two requests per round)",
    documents: [CHAT_HISTORY],
    targets: ['project'],
    prepare: chatHistory,
  },
  {
    id: 4,
    name: 'write mix',
    description: 'recordProgress and sendChatMessage in turn, at a fixed overall rate',
    documents: [RECORD_PROGRESS, SEND_CHAT_MESSAGE],
    targets: ['project'],
    prepare: writeMix,
  },
  {
    id: 5,
    name: 'chat fan-out',
    description:
      'one socket per session subscribed to chatMessageAdded and chatReplyDrafts while sendChatMessage runs at the fixed rate (send-to-first-draft and send-to-reply of the offline coach), then at full speed',
    documents: [SEND_CHAT_MESSAGE, CHAT_MESSAGE_ADDED, CHAT_REPLY_DRAFTS],
    targets: ['project'],
    prepare: (context) => chatFanout(context, { drafts: true }),
  },
  {
    id: 6,
    name: 'anonymous catalog',
    description: `courses(first: ${PAGE_SIZE}) with prerequisites and assessments, public fields only, anonymous GET (cacheable); an admin updateCourse of the first course every second (300 ms with --quick)`,
    documents: [ANONYMOUS_CATALOG, EDIT_COURSE_DURATION],
    targets: ['project', 'project:uncached'],
    prepare: anonymousCatalog,
  },
  {
    id: 7,
    name: 'chat fan-out, messages only',
    description:
      'scenario 5 with each socket subscribed to chatMessageAdded only (send-to-reply, no drafts): the fan-out as code from before chatReplyDrafts can serve it',
    documents: [SEND_CHAT_MESSAGE, CHAT_MESSAGE_ADDED],
    targets: ['project'],
    prepare: (context) => chatFanout(context, { drafts: false }),
  },
];
