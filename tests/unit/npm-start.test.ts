import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { nodeArgs, npmStart } from '../helpers/npm-start.js';

const folders: string[] = [];
afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

/** npmStart of a checkout whose package.json has this start script. */
async function startOf(script: string) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'npm-start-'));
  folders.push(folder);
  await writeFile(path.join(folder, 'package.json'), JSON.stringify({ scripts: { start: script } }));
  return { folder, start: npmStart(folder) };
}

describe('how npm start runs a checkout, read from its package.json', () => {
  it("takes the variables before node, node's flags and the entry", async () => {
    const { folder, start } = await startOf('MALLOC_ARENA_MAX=2 A_B= node --max-semi-space-size=32 dist/main.js');
    expect(start).toEqual({
      env: { MALLOC_ARENA_MAX: '2', A_B: '' },
      nodeFlags: ['--max-semi-space-size=32'],
      entry: path.join(folder, 'dist/main.js'),
    });
  });

  it('drops the tsx loader of a TypeScript entry, which nodeArgs puts back', async () => {
    const { folder, start } = await startOf('node --import tsx src/main.ts');
    expect(start).toEqual({ env: {}, nodeFlags: [], entry: path.join(folder, 'src/main.ts') });
    expect(nodeArgs(start)).toEqual(['--import', 'tsx', path.join(folder, 'src/main.ts')]);
  });

  it('refuses a script that is not node with an entry', async () => {
    await expect(startOf('tsx src/main.ts')).rejects.toThrow('npm start is not');
    await expect(startOf('MALLOC_ARENA_MAX=2')).rejects.toThrow('npm start is not');
  });
});
