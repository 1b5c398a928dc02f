#!/bin/sh
# Stand-in for Prisma's schema engine, which `prisma generate` never needs but the CLI insists on locating.
# Migrations run through `npm run db:migrate`; nothing in this project should reach this binary.
echo "prisma schema engine is not installed: apply migrations with 'npm run db:migrate'" >&2
exit 1
