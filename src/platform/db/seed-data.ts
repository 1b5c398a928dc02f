import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The demo curriculum, coaches and poker glossary, written by the team (see prisma/seed/data and content/):
 * the seed reads them, and so does the offline coach, which needs the folder without the seed's code.
 */
export const SEED_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/seed/data');

/** The demo curriculum's lessons, which the seeded courses' content paths name (the default CONTENT_ROOT). */
export const DEMO_CONTENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../content');
