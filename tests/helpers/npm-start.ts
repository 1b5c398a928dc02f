import { readFileSync } from 'node:fs';

/**
 * The arguments `npm start` gives node (its flags and the compiled entry), so that tests which spawn the server
 * run exactly what production runs. Jest's global setup builds dist/ from the current sources first.
 */
export function npmStartArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node: tests cannot spawn it directly`);
  return args;
}
