// The README's command lines are ones sipkit-ua accepts, and it documents every flag there is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommandLine, usage } from '../src/args.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Shell words of one line: spaces split, single and double quotes group. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('README.md', () => {
  const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .filter((l) => l.startsWith('sipkit-ua '));

  it('has an example of every command', () => {
    for (const command of COMMANDS) expect(lines.some((l) => l.startsWith(`sipkit-ua ${command} `))).toBe(true);
  });

  for (const line of lines) {
    it(`accepts: ${line}`, () => {
      expect(() => parseCommandLine(words(line).slice(1))).not.toThrow();
    });
  }

  it('names every flag that --help lists', () => {
    const flags = new Set(
      COMMANDS.flatMap((c) => [...usage(c).matchAll(/^ {2}(?:-\w, | {4})(--[a-z-]+)/gm)].map((m) => m[1])),
    );
    expect(flags.size).toBeGreaterThan(20);
    for (const flag of flags) expect(readme).toContain(`\`${flag}`);
  });
});
