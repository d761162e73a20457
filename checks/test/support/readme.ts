// What a user takes from a package README: the packages its `npm install` lines name, and the
// example (the first ```ts block), which they paste into a file and run.
import { builtinModules } from 'node:module';
import ts from 'typescript';

/** The first ```ts block of a README, or undefined when there is none. */
export function firstTsBlock(readme: string): string | undefined {
  return /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
}

/**
 * Every package named by an `npm install` (or `npm i`) command anywhere in the README, in a code
 * block or inline, without flags such as `--save-dev` and without version suffixes.
 */
export function installedNames(readme: string): string[] {
  const names = new Set<string>();
  for (const m of readme.matchAll(/\bnpm (?:install|i|add)\b([^\n`]*)/g)) {
    for (const word of (m[1] as string).trim().split(/\s+/)) {
      if (word === '' || word.startsWith('-')) continue;
      names.add(packageName(word.replace(/(.)@[^/]*$/, '$1')));
    }
  }
  return [...names].sort();
}

/** The package part of an import specifier (`@scope/name/sub` → `@scope/name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** True for `node:fs`, `fs`, `fs/promises` and the other Node built-ins. */
export function isBuiltin(specifier: string): boolean {
  return (
    specifier.startsWith('node:') ||
    builtinModules.includes(specifier) ||
    builtinModules.includes(packageName(specifier))
  );
}

/** The packages an example imports (static and dynamic imports), built-ins left out. */
export function importedPackages(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  const names = new Set<string>();
  for (const ref of info.importedFiles) {
    if (ref.fileName.startsWith('.') || ref.fileName.startsWith('/') || isBuiltin(ref.fileName)) continue;
    names.add(packageName(ref.fileName));
  }
  return [...names].sort();
}

/**
 * The example as the ES module a user would run: types stripped by TypeScript's own transpiler,
 * imports and top-level await kept as they are. Fails on syntax errors instead of guessing.
 */
export function toModule(source: string, fileName = 'example.ts'): string {
  const out = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
    throw new Error(`the example does not transpile:\n${text}`);
  }
  return out.outputText;
}
