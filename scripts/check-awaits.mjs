#!/usr/bin/env node
/**
 * Lists the places where a Promise is dropped or read as a value (the store's contract is
 * asynchronous, docs/architecture.md "Store"): a forgotten `await` there reorders replies or
 * loses errors without any type error. Reported:
 *   - a call statement whose Promise is neither awaited, returned, nor marked `void`;
 *   - a function returning a Promise handed where the callee expects one returning void (an
 *     event listener, forEach, a sync callback): nobody waits for it;
 *   - a Promise read as a truth value (`!p`, `p && …`, `p ? … : …`) or inside a template literal.
 * Usage: node scripts/check-awaits.mjs [path-prefix …]   (default: src); exit 1 when any is found.
 */
import ts from 'typescript';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const prefixes = (process.argv.length > 2 ? process.argv.slice(2) : ['src']).map((p) => path.join(root, p));
const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram(config.fileNames, config.options);
const checker = program.getTypeChecker();

const isPromise = (type) => {
  if (type.isUnion()) return type.types.some(isPromise);
  return type.getProperty('then') !== undefined && type.getProperty('catch') !== undefined;
};
const returnsPromise = (node) => checker.getSignaturesOfType(checker.getTypeAtLocation(node), ts.SignatureKind.Call).some((s) => isPromise(s.getReturnType()));
const expectsVoid = (node) => {
  const contextual = checker.getContextualType(node);
  if (!contextual) return false;
  const signatures = checker.getSignaturesOfType(contextual, ts.SignatureKind.Call);
  return signatures.length > 0 && signatures.every((s) => (s.getReturnType().flags & ts.TypeFlags.Void) !== 0);
};

const findings = [];
const report = (node, what) => {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
  findings.push(`${path.relative(root, file.fileName)}:${line + 1}: ${what}: ${node.getText(file).split('\n')[0].slice(0, 100)}`);
};

for (const file of program.getSourceFiles()) {
  if (file.isDeclarationFile || !prefixes.some((p) => file.fileName.startsWith(p))) continue;
  const visit = (node) => {
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression) && isPromise(checker.getTypeAtLocation(node.expression))) {
      report(node, 'Promise dropped');
    }
    if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isCallOrNewExpression(node.parent) && returnsPromise(node) && expectsVoid(node)) {
      report(node, 'async callback nobody awaits');
    }
    const condition =
      (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken && node.operand) ||
      (ts.isBinaryExpression(node) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken].includes(node.operatorToken.kind) && node.left) ||
      (ts.isConditionalExpression(node) && node.condition) ||
      (ts.isTemplateSpan(node) && node.expression);
    if (condition && isPromise(checker.getTypeAtLocation(condition))) report(condition, 'Promise read as a value');
    ts.forEachChild(node, visit);
  };
  visit(file);
}
for (const finding of findings) console.log(finding);
process.exit(findings.length > 0 ? 1 : 0);
