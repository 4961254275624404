// Job-summary building blocks: Markdown text, tables, collapsible details, Mermaid diagrams.
// Everything user-supplied goes through escapeMarkdown / escapeCell so no input can break the layout.

const MARKDOWN_SPECIAL = /[\\`*_{}[\]<>()#+!|~]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** A table cell: one line, pipes escaped, length bounded. */
export function escapeCell(value: unknown, maxLength = 300): string {
  const text = value === undefined || value === null || value === '' ? '—' : String(value);
  const line = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/** A Markdown table; cells are escaped unless they are marked as already-formatted with `raw()`. */
export function table(headers: string[], rows: Array<Array<unknown>>): string {
  if (rows.length === 0) return '';
  const cell = (v: unknown) => (v instanceof Raw ? v.text : escapeCell(v));
  return [
    `| ${headers.map((h) => escapeCell(h)).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

class Raw {
  constructor(readonly text: string) {}
}

/** Marks a cell's Markdown as already formatted (e.g. bold, links, code). */
export function raw(text: string): Raw {
  return new Raw(text);
}

export function code(text: string): string {
  const clean = text.replace(/`/g, "'").replace(/\r?\n/g, ' ');
  return `\`${clean}\``;
}

export function link(text: string, url: string | undefined): string {
  if (!url) return escapeMarkdown(text);
  return `[${escapeMarkdown(text)}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}

export function details(summaryText: string, body: string): string {
  return `<details><summary>${escapeHtml(summaryText)}</summary>\n\n${body}\n\n</details>\n`;
}

export function codeBlock(text: string, language = ''): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}${language}\n${text}\n${fence}\n`;
}

export function mermaid(diagram: string): string {
  return `\`\`\`mermaid\n${diagram}\n\`\`\`\n`;
}

/** A label safe inside a Mermaid node: quotes and brackets removed. */
export function mermaidLabel(text: string): string {
  return text.replace(/["[\](){}<>|#;]/g, ' ').trim();
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export function heading(level: 2 | 3 | 4, text: string): string {
  return `${'#'.repeat(level)} ${text}\n\n`;
}
