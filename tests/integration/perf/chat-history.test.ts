import { jest } from '@jest/globals';
import pg from 'pg';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { withClient } from '../../../src/platform/db/client.js';
import { ChatHistoryDocument } from '../../generated/graphql.js';
import { coach, learner, openSession, storeHistory } from '../chat/fixtures.js';

/**
 * A page of chat history must cost the database the page, not the session: the statement that reads the
 * messages returns at most one row more than the page (to tell whether another page exists), however long
 * the session is. Each statement the server sends is recorded at the driver and run again here to count
 * the rows it returns.
 */
const LONG_SESSION = 300;
const PAGE = 50;

interface SentStatement {
  text: string;
  values: unknown[];
}

const sent: SentStatement[] = [];
const clientQuery = pg.Client.prototype.query;
// Installed before the server's pool opens its first connection, which binds query as it finds it then.
jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
  const [config] = args as [{ text?: string; values?: unknown[] } | string];
  if (typeof config === 'object' && config.text?.includes('"chat_messages"')) {
    sent.push({ text: config.text, values: config.values ?? [] });
  }
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery);

let server: TestServer;
let me: Awaited<ReturnType<typeof learner>>;
let sessionId: string;

beforeAll(async () => {
  server = await startTestServer();
  me = await learner(server.database.prisma);
  sessionId = await openSession(server, me, (await coach(server.database.prisma)).id);
  await storeHistory(server.database.prisma, sessionId, LONG_SESSION);
});
afterAll(() => server.close());

/** The page, and the rows each chat_messages statement it sent returns when run again. */
async function page(variables: { first?: number; after?: string; last?: number; before?: string }) {
  sent.length = 0;
  const response = await server.graphql(ChatHistoryDocument, { id: sessionId, ...variables }, { as: me });
  expect(response.body.errors).toBeUndefined();
  const rowsReturned = await withClient(server.testDatabase.url, async (client) => {
    const counts = [];
    for (const statement of sent) counts.push((await client.query(statement.text, statement.values)).rowCount);
    return counts;
  });
  const messages = response.body.data!.chatSession!.messages;
  return { ...messages, seqs: messages.edges.map((edge) => edge.node.seq), rowsReturned };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('chat history of a long session', () => {
  it('reads the last page and the one before it with LIMIT page + 1, not the whole session', async () => {
    const newest = await page({ last: PAGE });
    expect(newest).toMatchObject({
      seqs: range(LONG_SESSION - PAGE + 1, LONG_SESSION),
      totalCount: LONG_SESSION,
      pageInfo: { hasPreviousPage: true, hasNextPage: false },
      rowsReturned: [PAGE + 1],
    });

    const older = await page({ last: PAGE, before: newest.pageInfo.startCursor! });
    expect(older).toMatchObject({
      seqs: range(LONG_SESSION - 2 * PAGE + 1, LONG_SESSION - PAGE),
      pageInfo: { hasPreviousPage: true, hasNextPage: true },
      rowsReturned: [PAGE + 1],
    });
  });

  it('reads forward pages with LIMIT page + 1 too, and knows the last one', async () => {
    const head = await page({ first: PAGE });
    expect(head).toMatchObject({ seqs: range(1, PAGE), pageInfo: { hasNextPage: true }, rowsReturned: [PAGE + 1] });

    const beforeTail = await page({ first: PAGE, after: (await page({ last: PAGE + 1 })).pageInfo.startCursor! });
    expect(beforeTail).toMatchObject({
      seqs: range(LONG_SESSION - PAGE + 1, LONG_SESSION),
      pageInfo: { hasPreviousPage: true, hasNextPage: false },
      rowsReturned: [PAGE],
    });
  });
});
