// Jest loads global setup outside its module transform, so TypeScript sources come in through tsx.
import { execFileSync } from 'node:child_process';
import { tsImport } from 'tsx/esm/api';

/**
 * Builds dist/ from the current sources (tests that spawn the server run what `npm start` runs) and migrates
 * one template database for the whole run; each test file clones it.
 */
export default async function globalSetup() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: new URL('../..', import.meta.url), stdio: 'inherit' });
  const { prepareTemplateDatabase } = await tsImport('./template.ts', import.meta.url);
  await prepareTemplateDatabase();
}
