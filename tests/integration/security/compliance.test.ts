import { serverAudits, type AuditResult } from 'graphql-http';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/**
 * The GraphQL-over-HTTP audit of graphql-http against the real server. Every MUST and SHOULD passes. The audits
 * that do not pass are exactly these MAYs, refused by our CSRF prevention (README, Security):
 */
const KNOWN_SHORTFALLS = {
  // CSRF prevention refuses GET requests that carry no preflight-forcing header, as the audit's GETs do.
  '5A70': 'MAY accept application/x-www-form-urlencoded formatted GET requests',
  D6D5: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  '6A70': 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
};

let server: TestServer;
let results: AuditResult[];

beforeAll(async () => {
  server = await startTestServer();
  results = [];
  for (const audit of serverAudits({ url: server.url, fetchFn: fetch })) results.push(await audit.fn());
});

afterAll(async () => {
  await server?.close();
});

it('runs the whole audit', () => {
  expect(results.length).toBeGreaterThan(40);
});

it('passes every MUST and every SHOULD', () => {
  const failed = results.filter((result) => !result.name.startsWith('MAY') && result.status !== 'ok');
  expect(failed.map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
});

it('falls short of exactly the known MAYs', () => {
  const shortfalls = Object.fromEntries(
    results.filter((result) => result.status !== 'ok').map((result) => [result.id, result.name]),
  );
  expect(shortfalls).toEqual(KNOWN_SHORTFALLS);
});
