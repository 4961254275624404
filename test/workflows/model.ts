// A workflow file as the static checks see it: the YAML document (with line numbers), its plain data, every
// scalar that holds an expression, and each expression's context references (`steps.x.outputs.y`) read with
// GitHub's own expression parser.
import { Lexer, Parser } from '@actions/expressions';
import {
  Binary,
  ContextAccess,
  type Expr,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Unary,
} from '@actions/expressions/ast';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

export interface Finding {
  /** The file the finding is about (repository-relative). */
  file: string;
  line?: number;
  /** Which check found it, e.g. `step-inputs`. */
  check: string;
  message: string;
}

export type YamlPath = Array<string | number>;

/** One string value somewhere in the file, with where it sits. */
export interface Site {
  path: YamlPath;
  value: string;
  line: number;
}

/** A context reference inside an expression: `steps.build.outputs.image` → ['steps', 'build', 'outputs', 'image']. */
export interface Reference {
  /** The literal chain; stops where an index is not a literal (`steps.x.outputs[format(…)]`) or is `*`. */
  chain: string[];
  expression: string;
  site: Site;
}

export interface WorkflowFile {
  /** Repository-relative path, e.g. `.github/workflows/pipeline.yml`. */
  file: string;
  text: string;
  doc: Document;
  // biome-ignore lint/suspicious/noExplicitAny: workflow YAML is untyped data; checks read it defensively.
  data: any;
  sites: Site[];
  /** YAML syntax errors (a file with any is not checked further). */
  yamlErrors: Finding[];
  lineOf(path: YamlPath): number | undefined;
}

export function loadYamlFile(file: string, text: string): WorkflowFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const yamlErrors: Finding[] = doc.errors.map((error) => ({
    file,
    line: error.linePos?.[0]?.line,
    check: 'yaml',
    message: error.message,
  }));
  const lineAt = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 0;
  const sites: Site[] = [];
  const walk = (node: unknown, path: YamlPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) walk(item, [...path, index]);
    } else if (isScalar(node) && typeof node.value === 'string') {
      sites.push({ path, value: node.value, line: lineAt(node) });
    }
  };
  walk(doc.contents, []);
  return {
    file,
    text,
    doc,
    data: yamlErrors.length ? {} : (doc.toJS() ?? {}),
    sites,
    yamlErrors,
    lineOf(path) {
      const node = doc.getIn(path, true) as Node | undefined;
      return node ? lineAt(node) || undefined : undefined;
    },
  };
}

/** Keys whose whole value is an expression even without `${{ }}`. */
function isConditionPath(path: YamlPath): boolean {
  return path[path.length - 1] === 'if';
}

/** The expressions a value holds: every `${{ … }}`, or the whole value of an `if:`. */
export function expressionsOf(site: Site): string[] {
  const found: string[] = [];
  for (const match of site.value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) found.push((match[1] ?? '').trim());
  if (found.length === 0 && isConditionPath(site.path) && site.value.trim() !== '')
    found.push(site.value.trim());
  return found;
}

const CONTEXTS = [
  'github',
  'env',
  'vars',
  'job',
  'jobs',
  'steps',
  'runner',
  'secrets',
  'strategy',
  'matrix',
  'needs',
  'inputs',
];
/** The runner's functions beyond the expression library's built-ins. */
const RUNNER_FUNCTIONS = ['success', 'failure', 'cancelled', 'always', 'hashFiles'].map((name) => ({
  name,
  minArgs: name === 'hashFiles' ? 1 : 0,
  maxArgs: name === 'hashFiles' ? 255 : 0,
}));

export function parseExpression(expression: string): Expr {
  const lexed = new Lexer(expression).lex();
  return new Parser(lexed.tokens, CONTEXTS, RUNNER_FUNCTIONS).parse();
}

/** The literal chain of an access expression, or undefined where it is not one. */
function chainOf(expr: Expr): string[] | undefined {
  if (expr instanceof ContextAccess) return [expr.name.lexeme];
  if (expr instanceof IndexAccess) {
    const head = chainOf(expr.expr);
    if (!head) return undefined;
    if (expr.index instanceof Literal) {
      const value = expr.index.literal.coerceString();
      // `steps.x.*` (Star) and computed indexes end the literal chain.
      return [...head, value];
    }
    return [...head, '\0'];
  }
  return undefined;
}

/** Every context reference in `expression` (the longest literal chain of each access). */
export function referencesIn(expression: string): string[][] {
  const out: string[][] = [];
  const visit = (expr: Expr | undefined): void => {
    if (!expr) return;
    if (expr instanceof ContextAccess || expr instanceof IndexAccess) {
      const chain = chainOf(expr);
      if (chain) {
        const cut = chain.indexOf('\0');
        out.push(cut === -1 ? chain : chain.slice(0, cut));
      }
      // Computed indexes hold expressions of their own.
      let node: Expr = expr;
      while (node instanceof IndexAccess) {
        if (!(node.index instanceof Literal)) visit(node.index);
        node = node.expr;
      }
      return;
    }
    if (expr instanceof FunctionCall) for (const arg of expr.args) visit(arg);
    else if (expr instanceof Logical) for (const arg of expr.args) visit(arg);
    else if (expr instanceof Binary) {
      visit(expr.left);
      visit(expr.right);
    } else if (expr instanceof Unary) visit(expr.expr);
    else if (expr instanceof Grouping) visit(expr.group);
  };
  visit(parseExpression(expression));
  return out;
}

export function referencesOf(workflow: WorkflowFile): { references: Reference[]; errors: Finding[] } {
  const references: Reference[] = [];
  const errors: Finding[] = [];
  for (const site of workflow.sites) {
    for (const expression of expressionsOf(site)) {
      try {
        for (const chain of referencesIn(expression)) references.push({ chain, expression, site });
      } catch (error) {
        errors.push({
          file: workflow.file,
          line: site.line,
          check: 'expressions',
          message: `${formatPath(site.path)}: cannot parse \${{ ${expression} }}: ${(error as Error).message}`,
        });
      }
    }
  }
  return { references, errors };
}

export function formatPath(path: YamlPath): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
