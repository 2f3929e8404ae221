import { join } from 'node:path';
import ts from 'typescript';
import { PROVISIONING_DIR } from './provisioning.js';

/**
 * Type-checks dashboard JSON against Grafana's own dashboard schema types (`Dashboard` from
 * @grafana/schema, generated from Grafana's dashboard kind): each dashboard becomes an object
 * literal typed `Dashboard` in an in-memory TypeScript file, so a wrong type, a missing required
 * field or an unknown property (excess property check) is a diagnostic.
 */
export function typecheckDashboards(dashboards: ReadonlyArray<{ name: string; json: unknown }>): string[] {
  const file = join(PROVISIONING_DIR, 'test', '__dashboard_typecheck__.ts');
  const text = [
    "import type { Dashboard } from '@grafana/schema';",
    // JSON carries the values of Grafana's string enums (ThresholdsMode, MappingType, …), not the
    // enum members: accept exactly those values (`${E}` is the union of E's string values).
    'type Json<T> = T extends string ? `${T}` : T extends ReadonlyArray<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    ...dashboards.map((d, i) => `// ${d.name}\nexport const d${i}: Json<Dashboard> = ${JSON.stringify(d.json, null, 2)};`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const lines = text.split('\n');
    const context = where ? lines.slice(Math.max(0, where.line - 2), where.line + 1).join(' | ') : '';
    return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')}${where ? ` (line ${where.line + 1}: ${context.trim().slice(0, 200)})` : ''}`;
  });
}
