import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Where the clients' operations live: the .graphql files (globs, comma-separated) whose operations become
 * typed documents and the trusted-documents manifest. The tests' operations are the first client; an app
 * team adds its folder here (or runs `CLIENT_OPERATIONS='apps/ios/**\/*.graphql,...' npm run codegen`).
 */
const clientOperations = (process.env.CLIENT_OPERATIONS ?? 'tests/operations/**/*.graphql').split(',');

/**
 * Typed documents for those operations: each becomes a TypedDocumentNode whose result and variables types
 * follow schema.graphql, and `persisted-documents.json` beside them maps each document's sha256 hash to its
 * text: the manifest the server serves ids from (TRUSTED_DOCUMENTS_MANIFEST).
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: clientOperations,
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'tests/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // The hash is sha256 of the printed document, the id GraphQL over HTTP and Apollo's APQ both use.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
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
