#!/usr/bin/env node
// The module boundaries of docs/architecture.md "Modules", checked over the TypeScript import
// graph of src/ (every `import`/`export … from`/`import()`):
// 1. One door per module: from outside src/X/, only src/X/index.ts may be imported, type-only
//    imports included (a type reached through another module's internals is a side door too).
// 2. No import cycles between files. Within a module every import counts (a cycle there is a
//    tangle: two files that each need the other); between modules only the imports that exist at
//    run time do (type-only ones are erased by the compiler and cannot make a module see another
//    half-initialised, and modules legitimately share types both ways through their doors).
// Usage: node scripts/check-imports.mjs [ROOT] (default: the repository's src/). Prints one line
// per problem and exits 1 if there is any; scripts/test-all.sh runs it before the tests.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * The files a file imports, resolved within the tree (`./x.js` → `./x.ts`, `./dir` → `./dir/index.ts`),
 * each with whether the import exists at run time: `import type`, `export type` and imports whose
 * every name is `type` are erased by the compiler, so they cannot make an initialisation cycle.
 */
export function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = [];
  const add = (specifier, runtime) => {
    if (!specifier.startsWith('.')) return;
    const target = resolve(path.resolve(path.dirname(file), specifier));
    if (target) found.push({ target, runtime });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, !typeOnlyImport(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      add(node.moduleSpecifier.text, !(node.isTypeOnly || (named && named.length > 0 && named.every((e) => e.isTypeOnly))));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(arg.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function typeOnlyImport(clause) {
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function resolve(base) {
  const stem = base.replace(/\.(m?js|tsx?)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.mts`, `${stem}.tsx`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The module a file belongs to: its first folder under root, or the file itself at the top. */
function moduleOf(root, file) {
  const parts = path.relative(root, file).split(path.sep);
  return parts.length > 1 ? parts[0] : null;
}

export function checkTree(root) {
  const files = sourceFiles(root);
  const imports = new Map(files.map((f) => [f, importsOf(f)]));
  const problems = [];
  const rel = (f) => path.relative(root, f);
  for (const [file, found] of imports) {
    for (const { target } of found) {
      const owner = moduleOf(root, target);
      if (owner === null || owner === moduleOf(root, file)) continue;
      if (target !== path.join(root, owner, 'index.ts')) {
        problems.push(`deep import: ${rel(file)} imports ${rel(target)} (use ${owner}/index.ts)`);
      }
    }
  }
  const counted = (file, { target, runtime }) => runtime || moduleOf(root, file) === moduleOf(root, target);
  const graph = new Map([...imports].map(([f, found]) => [f, [...new Set(found.filter((i) => counted(f, i)).map((i) => i.target))]]));
  for (const cycle of cyclesOf(graph)) problems.push(`import cycle: ${cycle.map(rel).join(' → ')} → ${rel(cycle[0])}`);
  return problems;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cyclesOf(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.reverse());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'src'));
  const problems = checkTree(root);
  for (const p of problems) console.log(p);
  console.log(problems.length === 0 ? `imports ok: ${sourceFiles(root).length} files` : `${problems.length} import problems`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
