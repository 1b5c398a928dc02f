/** Prints a token signed with JWT_SECRET, for local use: `npm run token -- --user 7 [--role admin]`. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { authSettings, signToken } from '../src/auth/token.js';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    role: { type: 'string', default: 'learner' },
    email: { type: 'string' },
    name: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});
const config = loadConfig();
const user = Number(values.user);
if (!Number.isInteger(user) || user < 1) {
  console.error('usage: npm run token -- --user <id> [--role learner|admin] [--email e] [--name n] [--expires 12h]');
  process.exit(1);
}
if (values.role !== 'learner' && values.role !== 'admin') {
  console.error('--role must be learner or admin');
  process.exit(1);
}
if (!config.JWT_SECRET) {
  console.error('JWT_SECRET is not set: use the secret the server printed at start (or your own) as JWT_SECRET');
  process.exit(1);
}
const settings = authSettings(config.JWT_SECRET, config.JWT_ISSUER, config.JWT_AUDIENCE);
console.log(
  await signToken(settings, { sub: user, role: values.role, email: values.email, name: values.name }, values.expires),
);
