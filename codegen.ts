import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations in tests/operations (and for clients that copy them): each
 * operation becomes a TypedDocumentNode whose result and variables types follow schema.graphql.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['tests/operations/**/*.graphql'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'tests/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
        strictScalars: true,
      },
    },
  },
};

export default config;
