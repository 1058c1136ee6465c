import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * `@credyt/shared` declares its types as `z.infer<typeof Schema>`, so the bundled declarations still need zod,
 * which the widget neither ships nor runs. This writes each `z.infer<…>` out as the plain type TypeScript infers
 * for it, then drops the schema constants and the zod import: the file then needs `lit` only.
 */
export function inlineZodTypes(output) {
  const file = resolve(output);
  const zod = dirname(createRequire(fileURLToPath(new URL('../../shared/package.json', import.meta.url))).resolve('zod/package.json'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    paths: { zod: [zod] },
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const printer = ts.createPrinter();
  const flags = ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.InTypeAlias | ts.NodeBuilderFlags.MultilineObjectLiterals;
  const edits = [];

  const usesZod = (node) => {
    let found = false;
    const visit = (child) => {
      if (found) return;
      if (ts.isIdentifier(child) && child.text === 'z') found = true;
      else ts.forEachChild(child, visit);
    };
    visit(node);
    return found;
  };
  const visit = (node) => {
    if (ts.isTypeReferenceNode(node) && ts.isQualifiedName(node.typeName) && node.typeName.getText(source) === 'z.infer') {
      const plain = checker.typeToTypeNode(checker.getTypeFromTypeNode(node), undefined, flags);
      const start = node.getStart(source);
      const indent = /^\s*/.exec(source.text.slice(source.text.lastIndexOf('\n', start) + 1, start))[0];
      const text = printer.printNode(ts.EmitHint.Unspecified, plain, source).replaceAll('\n', `\n${indent}`);
      edits.push({ start, end: node.getEnd(), text });
      return;
    }
    ts.forEachChild(node, visit);
  };
  // A schema's doc comment is the type's: it moves to the type alias of the same name when that has none.
  const docs = new Map();
  for (const statement of source.statements) {
    const isZodImport = ts.isImportDeclaration(statement) && statement.moduleSpecifier.text === 'zod';
    const isSchema = ts.isVariableStatement(statement) && usesZod(statement);
    if (isSchema && statement.jsDoc?.length) {
      const doc = source.text.slice(statement.jsDoc[0].getStart(source), statement.jsDoc.at(-1).getEnd());
      for (const declaration of statement.declarationList.declarations) docs.set(declaration.name.getText(source), doc);
    }
    if (isZodImport || isSchema) edits.push({ start: statement.getFullStart(), end: statement.getEnd(), text: '' });
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) || (ts.isVariableStatement(statement) && usesZod(statement))) continue;
    const doc = ts.isTypeAliasDeclaration(statement) && !statement.jsDoc?.length && docs.get(statement.name.text);
    if (doc) edits.push({ start: statement.getStart(source), end: statement.getStart(source), text: `${doc}\n` });
    visit(statement);
  }

  let text = source.text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  const left = /\bz\.|from '(zod|@credyt\/shared)'/.exec(text);
  if (left) throw new Error(`${file} still refers to zod or @credyt/shared: ${left[0]}`);
  writeFileSync(file, text);
}
