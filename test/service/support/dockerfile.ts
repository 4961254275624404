// A small Dockerfile reader: enough to check the image's rules and to lay out what the runtime stage copies.

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      logical = `${logical.slice(0, -1)}${next}`;
    }
    const match = /^\s*(\w+)\s*(.*)$/.exec(logical);
    if (match)
      instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 });
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(instruction.args) ?? [];
      stages.push({ name, from: substitute(from, globalArgs), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') Object.assign(globalArgs, parseAssignments(instruction.args));
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `A=1 B="x y"` or the legacy `A 1` form; `ARG NAME` without a default gives ''. */
export function parseAssignments(args: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (!args.includes('=')) {
    const [name, ...rest] = args.split(/\s+/);
    if (name) result[name] = rest.join(' ');
    return result;
  }
  for (const match of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    result[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return result;
}

export function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => vars[a ?? b] ?? '');
}

export interface CopyInstruction {
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function parseCopy(args: string): CopyInstruction {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

export function stageWorkdir(stage: Stage): string {
  let workdir = '/';
  for (const i of stage.instructions)
    if (i.keyword === 'WORKDIR') workdir = i.args.startsWith('/') ? i.args : `${workdir}/${i.args}`;
  return workdir.replace(/\/+$/, '') || '/';
}
