import { builder } from '../builder.js';
import './course/types.js';
import './course/queries.js';
import './course/mutations.js';
import './character/types.js';
import './character/queries.js';
import './character/mutations.js';
import './user/types.js';
import './user/queries.js';
import './chat/types.js';
import './chat/queries.js';
import './chat/mutations.js';
import './chat/subscriptions.js';
import './progress/types.js';
import './progress/mutations.js';
import './assessment/types.js';
import './assessment/mutations.js';

export const schema = builder.toSchema({ sortSchema: false });
