import { RootFieldBuilder, completeValue } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver } from 'graphql';

/** What a globalID field's resolver gives: an id with the type it belongs to, or nothing. */
type GlobalIdSource = { type: unknown; id: unknown } | string | null | undefined;

interface GlobalIdFieldBuilder {
  builder: { configStore: { getTypeConfig(ref: unknown): { name: string } } };
  field(options: Record<string, unknown>): unknown;
}

/**
 * plugin-relay's `t.globalID`, and with it every node's `id`, resolves through an async function: the field is a
 * promise even when the id is on the row, so graphql-js completes every node and every object above it through
 * promiseForObject and a round of microtasks (a catalog page: 80 ids, every course and assessment). This is the
 * same field, encoded as plugin-relay encodes it (the builder has no encodeGlobalID of its own), that waits only
 * when its resolver returns a promise, as plugin-relay's node id resolver beneath it already does (Pothos'
 * completeValue). Installed on the field builder's prototype, where plugin-relay installs its own, before any type
 * is built: imported by builder.ts, after the plugin.
 */
function globalID(
  this: GlobalIdFieldBuilder,
  {
    resolve,
    ...options
  }: { resolve: GraphQLFieldResolver<unknown, unknown, unknown, GlobalIdSource | Promise<GlobalIdSource>> },
) {
  const encode = (result: GlobalIdSource) =>
    !result || typeof result !== 'object'
      ? result
      : encodeGlobalID(this.builder.configStore.getTypeConfig(result.type).name, String(result.id));
  return this.field({
    ...options,
    type: 'ID',
    resolve: ((parent, args, context, info) =>
      completeValue(resolve(parent, args, context, info), encode)) satisfies GraphQLFieldResolver<unknown, unknown>,
  });
}

(RootFieldBuilder.prototype as unknown as { globalID: typeof globalID }).globalID = globalID;
