import { Kind, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import type { Context } from '../context.js';
import type { GraphQLCaches } from '../caches.js';
import { INVALIDATES_PUBLIC_READS } from '../cache-control.js';
import { operationCacheHints } from '../cache-policy.js';

/**
 * Caching of public reads, in three parts:
 * - the schema's cache hints (graphql/cache-control.ts) give each response a policy, sent as Cache-Control
 *   (the HTTP adapter keeps it on GET only), so that a CDN can hold anonymous catalog pages;
 * - a signed-in viewer's response is never public: a learner's is private, an admin's (who sees inactive
 *   content) not cacheable at all, whatever its fields say;
 * - whole anonymous responses are cached on the server, keyed by the current generation of public reads,
 *   which every successful admin mutation marked INVALIDATES_PUBLIC_READS renews.
 */
export function publicReadsPlugins(
  schema: GraphQLSchema,
  caches: GraphQLCaches,
  { responseCache }: { responseCache: boolean },
): ApolloServerPlugin<Context>[] {
  const anonymous = async ({ contextValue }: { contextValue: Context }) => contextValue.viewer === null;
  return [
    viewerPolicyPlugin(),
    cachePolicyPlugin(schema),
    ...(responseCache
      ? [
          responseCachePlugin<Context>({
            cache: caches.responses,
            // Only anonymous requests read or write it: no session, no private entries.
            sessionId: async () => null,
            extraCacheKeyData: async (requestContext) =>
              (await anonymous(requestContext)) ? caches.publicReadsGeneration() : null,
            shouldReadFromCache: anonymous,
            shouldWriteToCache: anonymous,
          }),
        ]
      : []),
    invalidationPlugin(schema, caches),
  ];
}

/**
 * Restricts a signed-in viewer's policy once the fields have given theirs: Apollo's cache-control plugin
 * skips the schema's hints for a request already restricted when execution starts. Listed before that
 * plugin, whose willSendResponse (synchronous up to the header) must see the restricted policy.
 */
function viewerPolicyPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const { viewer } = contextValue;
      if (!viewer) return;
      return {
        willSendResponse: async ({ overallCachePolicy }) =>
          overallCachePolicy.restrict(viewer.role === 'admin' ? { maxAge: 0 } : { scope: 'PRIVATE' }),
      };
    },
  };
}

/**
 * Apollo's cache-control plugin for the Cache-Control header it derives from the policy, with the policy taken
 * from the operation's hints (cache-policy.ts) instead of from its willResolveField, which Apollo would call for
 * every field of every response. Spread from Apollo's plugin, it keeps the plugin's id, so that Apollo installs
 * no default one beside it.
 */
function cachePolicyPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  // Fields without a hint are not cacheable; scalars take their parent's policy.
  const defaultMaxAge = 0;
  const apollos = ApolloServerPluginCacheControl({ defaultMaxAge });
  const hintOf = operationCacheHints(schema, defaultMaxAge);
  return {
    ...apollos,
    async requestDidStart(requestContext) {
      const headers = await apollos.requestDidStart?.(requestContext);
      return {
        // Before execution, whichever executes it (graphql-js, or graphql-jit from responseForOperation, which
        // skips executionDidStart); a response cache hit replaces the policy with the one it was stored with.
        async didResolveOperation({ overallCachePolicy, document, operation, request }) {
          // As Apollo's plugin: a policy some plugin already set wins over the hints. Without an operation,
          // execution answers with its error.
          if (!operation || overallCachePolicy.maxAge !== undefined || overallCachePolicy.scope !== undefined) return;
          overallCachePolicy.restrict(hintOf(document, operation, request.variables));
        },
        ...(headers?.willSendResponse ? { willSendResponse: headers.willSendResponse } : {}),
      };
    },
  };
}

/** The mutation fields whose success changes what anonymous visitors see. */
function invalidatingFields(schema: GraphQLSchema): Set<string> {
  const fields = Object.values(schema.getMutationType()?.getFields() ?? {});
  return new Set(fields.filter((field) => field.extensions[INVALIDATES_PUBLIC_READS] === true).map((f) => f.name));
}

/** The response keys of an operation's root fields that are one of `names` (through fragments too). */
function selectedKeys(
  selectionSet: SelectionSetNode,
  names: Set<string>,
  fragments: Map<string, FragmentDefinitionNode>,
): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) {
      return names.has(selection.name.value) ? [selection.alias?.value ?? selection.name.value] : [];
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    return fragment ? selectedKeys(fragment.selectionSet, names, fragments) : [];
  });
}

/**
 * Renews the generation once an invalidating field answered (before the admin's response is sent, so the
 * next read sees the edit). A refused or failed one changed nothing and invalidates nothing: a learner
 * calling updateCourse must not be able to empty the cache.
 */
function invalidationPlugin(schema: GraphQLSchema, caches: GraphQLCaches): ApolloServerPlugin<Context> {
  const names = invalidatingFields(schema);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, document, response }) {
          if (operation?.operation !== 'mutation' || !document || response.body.kind !== 'single') return;
          const data = response.body.singleResult.data;
          const fragments = new Map(
            document.definitions
              .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
              .map((fragment) => [fragment.name.value, fragment]),
          );
          const changed = selectedKeys(operation.selectionSet, names, fragments).some((key) => data?.[key] != null);
          if (changed) await caches.invalidatePublicReads();
        },
      };
    },
  };
}
