/**
 * The layers of src/ (README "Layout"), each importing only the layers below it:
 *   main -> server -> http, ws -> graphql -> modules/<domain>/graphql -> modules/<domain> -> auth -> platform
 *   -> config
 * `npm test` runs these rules (tests/unit/layers.test.ts) and `npm run lint:layers` prints them for a human:
 * a cycle or an upward import fails CI.
 */
const ABOVE_PLATFORM = '^src/(main|server|http|ws|graphql|auth|modules)/?';
const FRAMEWORKS = '^node_modules/(@pothos/|@apollo/|graphql-relay/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import loops make modules impossible to change alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'only-main-starts-the-server',
      severity: 'error',
      comment: 'main.ts is the entry; nothing imports it, and only it imports server.ts.',
      from: { pathNot: '^src/main\\.ts$' },
      to: { path: '^src/(main|server)\\.ts$' },
    },
    {
      name: 'config-is-the-base',
      severity: 'error',
      comment: 'config.ts (and its README table) is read by every layer and reads none of them.',
      from: { path: '^src/config(-docs)?\\.ts$' },
      to: { path: `${ABOVE_PLATFORM}|^src/platform/` },
    },
    {
      name: 'platform-is-the-floor',
      severity: 'error',
      comment: 'platform/ (database, pub/sub, logger, metrics, errors) serves everything above and knows none of it.',
      from: { path: '^src/platform/' },
      to: { path: ABOVE_PLATFORM },
    },
    {
      name: 'auth-below-modules',
      severity: 'error',
      comment: 'Token verification, provisioning and access rules need only the platform.',
      from: { path: '^src/auth/' },
      to: { path: '^src/(main|server|http|ws|graphql|modules)/?' },
    },
    {
      name: 'domain-below-graphql',
      severity: 'error',
      comment: "A module's service, loaders and workers never reach up into GraphQL or the transports.",
      from: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/graphql/' },
      to: { path: '^src/(main|server|http|ws|graphql)/?|^src/modules/[^/]+/graphql/' },
    },
    {
      name: 'graphql-below-transports',
      severity: 'error',
      comment: 'The builder, context, schema and domain types do not know which server runs them.',
      from: { path: '^src/(graphql|modules/[^/]+/graphql)/' },
      to: { path: '^src/(main|server|http|ws)/?' },
    },
    {
      name: 'transports-below-server',
      severity: 'error',
      comment: 'http/ and ws/ are handed their dependencies by server.ts.',
      from: { path: '^src/(http|ws)/' },
      to: { path: '^src/(main|server)\\.ts$' },
    },
    {
      name: 'frameworks-only-in-graphql',
      severity: 'error',
      comment: 'Only graphql/ and modules/*/graphql/ speak Pothos, Apollo or Relay ids.',
      from: { path: '^src/', pathNot: '^src/(graphql|modules/[^/]+/graphql|generated)/' },
      to: { path: FRAMEWORKS },
    },
  ],
  options: {
    doNotFollow: { path: ['^node_modules', '^src/generated/'] },
    includeOnly: '^(src|node_modules)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
