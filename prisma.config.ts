import { defineConfig } from 'prisma/config';

// The CLI only generates here (migrations are applied by `npm run db:migrate`), so a missing
// DATABASE_URL must not stop `prisma generate`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
