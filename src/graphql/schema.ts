import { specifiedDirectives } from 'graphql';
import { builder } from './builder.js';
import { cacheControlDirective } from './cache-control.js';
import './nodes.js';
import '../modules/course/graphql/types.js';
import '../modules/course/graphql/queries.js';
import '../modules/course/graphql/mutations.js';
import '../modules/character/graphql/types.js';
import '../modules/character/graphql/queries.js';
import '../modules/character/graphql/mutations.js';
import '../modules/user/graphql/types.js';
import '../modules/user/graphql/queries.js';
import '../modules/chat/graphql/types.js';
import '../modules/chat/graphql/queries.js';
import '../modules/chat/graphql/mutations.js';
import '../modules/chat/graphql/subscriptions.js';
import '../modules/progress/graphql/types.js';
import '../modules/progress/graphql/mutations.js';
import '../modules/assessment/graphql/types.js';
import '../modules/assessment/graphql/mutations.js';

// `directives` replaces graphql-js's own (@include, @skip, ...) unless they are listed too.
export const schema = builder.toSchema({
  sortSchema: false,
  directives: [...specifiedDirectives, cacheControlDirective],
});
