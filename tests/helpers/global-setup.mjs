// Jest loads global setup outside its module transform, so TypeScript sources come in through tsx.
import { tsImport } from 'tsx/esm/api';

/** Migrates one template database for the whole run; each test file clones it. */
export default async function globalSetup() {
  const { prepareTemplateDatabase } = await tsImport('./template.ts', import.meta.url);
  await prepareTemplateDatabase();
}
