import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import './global-ids.js';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivesPlugin from '@pothos/plugin-directives';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import { configSchema } from '../config.js';
import type { Context } from './context.js';
import { ForbiddenError, UnauthenticatedError } from '../platform/errors.js';
import { fieldComplexity } from './plugins/cost.js';
import { pageSizePlugin } from './plugins/page-size.js';
import { cacheHints, type CacheControlArgs } from './cache-control.js';

/**
 * Whether plugin-prisma checks that each resolver uses its query (onUnusedQuery, off in production, where the check
 * would cost every prismaField a usage-tracking wrapper and turn a forgotten spread into a 500). The option belongs
 * to the one builder, so to the one schema every server of the process runs, while a parsed Config belongs to one
 * server (tests run development- and production-configured servers side by side, all checked): it is the process's
 * NODE_ENV, read by the configuration's own rule (values, default). A read, not a side effect: nothing is written.
 */
const environment = configSchema.shape.NODE_ENV.parse(process.env.NODE_ENV || undefined);

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  AuthScopes: { signedIn: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  Directives: {
    cacheControl: { locations: 'FIELD_DEFINITION' | 'OBJECT' | 'INTERFACE' | 'UNION'; args: CacheControlArgs };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin, DirectivesPlugin, pageSizePlugin],
  // Each field's cost for src/security/cost.ts, which checks every operation with its variables before it
  // runs (HTTP and WebSocket); the plugin's own check at resolve time would be too late, hence disabled.
  complexity: { fieldComplexity, disabled: true },
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      signedIn: context.viewer !== null,
      admin: context.viewer?.role === 'admin',
    }),
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, context) => (context.viewer ? new ForbiddenError() : new UnauthenticatedError()),
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: environment === 'production' ? null : 'error',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // graphql/nodes.ts defines node(id:) and nodes(ids:), so that an id naming no node is BAD_USER_INPUT.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    // A page is as cacheable as the field that returns it (the items' own types say the rest).
    pageInfoTypeOptions: cacheHints.inherited,
    defaultConnectionTypeOptions: cacheHints.inherited,
    defaultEdgeTypeOptions: cacheHints.inherited,
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
