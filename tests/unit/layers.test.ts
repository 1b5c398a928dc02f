import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/** A file this long holds more than one concern (issue 11); split it by concern rather than raise this. */
const MAX_LINES = 250;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const configFile = path.join(root, '.dependency-cruiser.cjs');

/** One line per violation, as `npm run lint:layers` names it: the rule, the import, and the loop if any. */
function describeViolation(violation: IViolation): string {
  const loop = violation.cycle?.length ? ` (loop: ${violation.cycle.map((step) => step.name).join(' -> ')})` : '';
  const to = violation.to.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
  return `${violation.rule.name}: ${violation.from} -> ${to}${loop}`;
}

/** The .ts files under src/ but outside src/generated, relative to the repository root. */
function sourceFiles(directory = 'src'): string[] {
  return readdirSync(path.join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(directory, entry.name);
    if (entry.isDirectory()) return relative === 'src/generated' ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

describe('the layers of src/', () => {
  it('has no import loop and no import upward or across the rules of .dependency-cruiser.cjs', async () => {
    const { options, forbidden } = createRequire(import.meta.url)(configFile);
    const { output } = await cruise(
      ['src'],
      // baseDir: the rules' paths are relative to the repository root
      { ...options, baseDir: root, validate: true, ruleSet: { forbidden } },
      undefined,
      { tsConfig: extractTSConfig(path.join(root, options.tsConfig.fileName)) },
    );
    const { summary } = output as ICruiseResult;
    expect(summary.totalCruised).toBeGreaterThan(sourceFiles().length / 2);
    expect(summary.violations.map(describeViolation)).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const longFiles = sourceFiles()
      .map((file) => ({ file, lines: readFileSync(path.join(root, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(longFiles).toEqual([]);
  });
});
