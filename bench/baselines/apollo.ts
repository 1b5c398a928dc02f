/**
 * The APOLLO peer: Apollo Server 5 (standalone, default plugins) over the printed schema with hand-written
 * batched resolvers (batched.ts): the stack the project would be without Pothos and Prisma.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { peerContext, peerSchema, type PeerContext } from './batched.js';
import { baselineEnvironment } from './common.js';

const { port, pool, authenticate } = baselineEnvironment();

const server = new ApolloServer<PeerContext>({ schema: peerSchema() });
await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async ({ req }) => peerContext(pool, await authenticate(req.headers.authorization)),
});
