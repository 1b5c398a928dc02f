/**
 * The JIT peer: the apollo peer's schema and resolvers (batched.ts) compiled per document by graphql-jit
 * and served on bare node:http, the way Mercurius runs: documents parsed, validated and compiled once.
 */
import { parse, validate, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { peerContext, peerSchema } from './batched.js';
import { baselineEnvironment, serveGraphQLBodies } from './common.js';

const environment = baselineEnvironment();
const schema = peerSchema();
/** Compiled documents by their text; a document that fails to parse, validate or compile is its errors. */
const compiled = new LRUCache<string, CompiledQuery | ExecutionResult>({ max: 100 });

function compile(query: string): CompiledQuery | ExecutionResult {
  let entry = compiled.get(query);
  if (!entry) {
    const document = parse(query);
    const errors = validate(schema, document);
    entry = errors.length ? { errors } : compileQuery(schema, document);
    compiled.set(query, entry);
  }
  return entry;
}

serveGraphQLBodies(environment, async ({ query, variables }, viewer) => {
  const entry = compile(query ?? '');
  if (!isCompiledQuery(entry)) return JSON.stringify(entry);
  return entry.stringify(await entry.query(undefined, peerContext(environment.pool, viewer), variables));
});
