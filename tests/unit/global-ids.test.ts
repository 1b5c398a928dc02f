import SchemaBuilder from '@pothos/core';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { executeSync, parse } from 'graphql';
import '../../src/graphql/global-ids.js';

/**
 * Node ids and t.globalID fields answer without a promise when their value is at hand: executeSync throws if any
 * field of the operation returned one, as plugin-relay's own (async) globalID field always did.
 */
function schemaWith(resolveId: () => unknown) {
  // The project's plugins declare their options for every builder it type-checks; this one has relay's alone.
  const builder = new SchemaBuilder<{ Objects: { Row: { id: number } } }>({
    plugins: [RelayPlugin],
    relay: {},
  } as never);
  const Row = builder.node('Row', {
    id: { resolve: (row) => row.id },
    fields: (t) => ({
      other: t.globalID({ nullable: true, resolve: resolveId as () => { type: string; id: number } }),
    }),
  });
  builder.queryType({ fields: (t) => ({ rows: t.field({ type: [Row], resolve: () => [{ id: 7 }, { id: 8 }] }) }) });
  return builder.toSchema();
}

describe('global id fields', () => {
  it('encode what is at hand synchronously, as plugin-relay encodes it', () => {
    const result = executeSync({
      schema: schemaWith(() => ({ type: 'Row', id: 9 })),
      document: parse('{ rows { id other } }'),
    });
    expect(result.errors).toBeUndefined();
    const rows = (result.data as { rows: { id: string; other: string }[] }).rows;
    expect(rows.map((row) => decodeGlobalID(row.id))).toEqual([
      { typename: 'Row', id: '7' },
      { typename: 'Row', id: '8' },
    ]);
    expect(rows.map((row) => decodeGlobalID(row.other))).toEqual(Array(2).fill({ typename: 'Row', id: '9' }));
  });

  it('wait for a resolver that returns a promise, and pass null through', async () => {
    const schema = schemaWith(() => Promise.resolve({ type: 'Row', id: 3 }));
    expect(() => executeSync({ schema, document: parse('{ rows { other } }') })).toThrow(/synchronously/);
    const { graphql } = await import('graphql');
    const result = await graphql({ schema, source: '{ rows { other } }' });
    expect((result.data as { rows: { other: string }[] }).rows.map((row) => decodeGlobalID(row.other).id)).toEqual([
      '3',
      '3',
    ]);
    const empty = executeSync({ schema: schemaWith(() => null), document: parse('{ rows { other } }') });
    expect(empty.data).toEqual({ rows: [{ other: null }, { other: null }] });
  });
});
