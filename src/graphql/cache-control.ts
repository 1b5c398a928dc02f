import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLEnumType, GraphQLInt } from 'graphql';

/**
 * Apollo Server's `@cacheControl` directive, declared in the schema so that plugin-directives writes its
 * arguments into each type's and field's AST node with their real types (scope as an enum value), which is
 * where Apollo's cache-control plugin reads hints. Fields without a hint are not cacheable (defaultMaxAge 0):
 * a new root field or object field is private until someone decides otherwise.
 */
export const CacheControlScopeEnum = new GraphQLEnumType({
  name: 'CacheControlScope',
  description: 'PUBLIC: the same for every viewer (a CDN may keep it); PRIVATE: for one viewer only.',
  values: { PUBLIC: {}, PRIVATE: {} },
});

export const cacheControlDirective = new GraphQLDirective({
  name: 'cacheControl',
  description: 'How long a response holding this field or type may be cached, and by whom.',
  locations: [
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.INTERFACE,
    DirectiveLocation.UNION,
  ],
  args: {
    maxAge: { type: GraphQLInt },
    scope: { type: CacheControlScopeEnum },
    inheritMaxAge: { type: GraphQLBoolean },
  },
});

// A type, not an interface: Pothos's Directives generic wants an object type with an index signature.
export type CacheControlArgs = {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  inheritMaxAge?: boolean;
};

/** Seconds a catalog read (courses, characters, a course's content and assessments) may be served from a cache. */
export const PUBLIC_READ_MAX_AGE_SECONDS = 60;

/** Hints to spread into a type's or field's options. */
export const cacheHints = {
  /** The same for every visitor: CDNs and the server's response cache may hold it for a minute. */
  publicRead: { directives: { cacheControl: { maxAge: PUBLIC_READ_MAX_AGE_SECONDS, scope: 'PUBLIC' } } },
  /** Wrappers (connections, edges, page info, nested values): as cacheable as the field that returns them. */
  inherited: { directives: { cacheControl: { inheritMaxAge: true } } },
  /** Depends on who asks (progress, attempts, unlock state): never cached, not even by the viewer's browser. */
  viewerSpecific: { directives: { cacheControl: { maxAge: 0, scope: 'PRIVATE' } } },
} as const satisfies Record<string, { directives: { cacheControl: CacheControlArgs } }>;

/** The field extension that marks a mutation whose success changes public reads. */
export const INVALIDATES_PUBLIC_READS = 'invalidatesPublicReads';

/**
 * For the options of an admin mutation that changes what anonymous visitors see: once it succeeds, every
 * cached public response (on every instance) is dropped.
 */
export const invalidatesPublicReads = { extensions: { [INVALIDATES_PUBLIC_READS]: true } } as const;
