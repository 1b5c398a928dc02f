import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { dropTemplateDatabase } = await tsImport('./template.ts', import.meta.url);
  await dropTemplateDatabase();
}
