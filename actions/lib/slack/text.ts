// Text for Slack: escaping of the three control characters Slack requires (&, <, >), neutralising mrkdwn
// formatting and mentions in text that comes from users (commit messages, error output), links, code, a
// small GitHub-Markdown-to-mrkdwn conversion, and cutting to a limit without breaking an entity, a surrogate
// pair, a link or a code block.

const ZWSP = '\u200b';

/**
 * `&`, `<` and `>` as HTML entities: Slack's required escaping. Nothing else is entity-encoded. Every text
 * bound for Slack passes here, so this is also where credential-looking text is cut out (stripCredentials).
 */
export function escapeText(text: string): string {
  return stripCredentials(text).replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

const REDACTED = '[redacted]';

/** Credential shapes an error text may carry when a server or proxy echoes a request (most specific first). */
const CREDENTIALS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  // Slack webhook URLs are credentials themselves.
  [/https:\/\/hooks\.slack(?:-gov)?\.com\/(?:services|workflows|triggers)\/[^\s<>|"']+/gi, REDACTED],
  // user:password@ in a URL.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:<>|"']+:[^\s/@<>|"']+@/gi, `$1${REDACTED}@`],
  // Authorization header values.
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{16,}/g, `$1 ${REDACTED}`],
  // GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and Slack tokens (xoxb-, xoxp-, xapp-, …).
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g, REDACTED],
  [/\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{8,}/g, REDACTED],
  // AWS access key ids (AKIA… long-term, ASIA… temporary).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  // KEY=value / "key": "value" where the key names a secret (X-Amz-Security-Token, aws_secret_access_key, password…).
  [
    /((?:security[_-]?token|session[_-]?token|secret[_-]?access[_-]?key|secret|password|passwd|api[_-]?key|access[_-]?token|token)["']?\s*[:=]\s*["']?)[^\s"',;&<>]{6,}/gi,
    `$1${REDACTED}`,
  ],
  // A long run of base64: an AWS session token, a signed blob.
  [/[A-Za-z0-9+/]{100,}={0,2}/g, REDACTED],
];

/** Text with anything that looks like a credential (tokens, keys, webhook URLs, passwords) replaced by [redacted]. */
export function stripCredentials(text: string): string {
  let out = text;
  for (const [pattern, replacement] of CREDENTIALS) out = out.replace(pattern, replacement);
  return out;
}

/** `@channel`, `@here`, `@everyone` with a zero-width space after the `@`: shown the same, notify no one. */
export function breakMentions(text: string): string {
  return text.replace(/@(channel|here|everyone)\b/gi, `@${ZWSP}$1`);
}

/**
 * User text made inert in mrkdwn: escaped, formatting characters (`*`, `_`, `~`, `` ` ``) separated from their
 * neighbours by a zero-width space so they never pair up, and `@channel`/`@here`/`@everyone` broken up so
 * they cannot notify anyone even where Slack would parse them.
 */
export function plainMrkdwn(text: string): string {
  return breakMentions(escapeText(text).replace(/[*_~`]/g, (c) => `${ZWSP}${c}${ZWSP}`));
}

/** Text for a `plain_text` object: escaped, mentions broken up. */
export function plainText(text: string): string {
  return breakMentions(escapeText(text));
}

/** A link `<url|label>`; only http(s) URLs become links, anything else is shown as text. */
export function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\//i.test(url)) return plainMrkdwn(label);
  const safeUrl = url.replace(/[|<>\s]/g, (c) => encodeURIComponent(c));
  return `<${safeUrl}|${plainMrkdwn(label)}>`;
}

/** Inline code: no formatting inside; backticks and line breaks cannot end it early. */
export function inlineCode(text: string): string {
  const body = breakMentions(escapeText(text.replace(/`/g, 'ʼ').replace(/\s*\r?\n\s*/g, ' ')));
  return body ? `\`${body}\`` : '';
}

/** A code block (```): formatting off inside; a ``` in the text cannot close it. */
export function codeBlock(text: string): string {
  return `\`\`\`\n${breakMentions(escapeText(text.replace(/```/g, '`ʼ`'))).replace(/\n+$/, '')}\n\`\`\``;
}

/**
 * Cuts already-formatted mrkdwn to `max` UTF-16 units (what Slack's limits count), ending with `…`. Never
 * leaves half an entity (`&am`), half a surrogate pair, an unclosed `<link|…>` or an unclosed code block.
 */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  // Room is kept for a closing fence, in case the cut lands inside a code block.
  let cut = Math.max(max - ellipsis.length - 4, 0);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp >= cut - 6 && !text.slice(amp, cut).includes(';')) cut = amp;
  const open = text.lastIndexOf('<', cut - 1);
  if (open >= 0 && text.lastIndexOf('>', cut - 1) < open) cut = open;
  const head = text.slice(0, cut);
  const unclosed = (head.match(/```/g)?.length ?? 0) % 2 === 1;
  return unclosed ? `${head}${ellipsis}\n\`\`\`` : `${head}${ellipsis}`;
}

/** Cuts plain text (not yet escaped) to `max` characters (UTF-16 units), on a code point boundary. */
export function cutPlain(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let cut = Math.max(max - ellipsis.length, 0);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}${ellipsis}`;
}

function inline(text: string): string {
  const token = /(`[^`\n]+`|\[[^\]\n]+\]\((?:https?:\/\/)[^)\s]+\)|\*\*[^*\n]+\*\*|__[^_\n]+__)/g;
  let out = '';
  let last = 0;
  for (const match of text.matchAll(token)) {
    out += plainMrkdwn(text.slice(last, match.index));
    const t = match[0];
    if (t.startsWith('`')) out += inlineCode(t.slice(1, -1));
    else if (t.startsWith('[')) {
      const m = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(t);
      out += m ? link(m[2], m[1] ?? '') : plainMrkdwn(t);
    } else out += `*${plainMrkdwn(t.slice(2, -2))}*`;
    last = (match.index ?? 0) + t.length;
  }
  return out + plainMrkdwn(text.slice(last));
}

/**
 * GitHub-flavoured Markdown (as a `details` input is written) to Slack mrkdwn: fenced code and tables become
 * code blocks, headings and **bold** become *bold*, [links](https://…) become Slack links, list bullets
 * become •; everything else is shown as typed, with formatting characters and mentions neutralised.
 */
export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let fence: string[] | undefined;
  let tableRows: string[] = [];
  const flushTable = () => {
    if (tableRows.length > 0)
      out.push(codeBlock(tableRows.filter((r) => !/^\s*\|?[\s:|-]+\|?\s*$/.test(r)).join('\n')));
    tableRows = [];
  };
  for (const line of lines) {
    if (fence) {
      if (/^\s*(```|~~~)/.test(line)) {
        out.push(codeBlock(fence.join('\n')));
        fence = undefined;
      } else fence.push(line);
      continue;
    }
    if (/^\s*(```|~~~)/.test(line)) {
      flushTable();
      fence = [];
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      tableRows.push(line.trim());
      continue;
    }
    flushTable();
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (heading) out.push(`*${plainMrkdwn(heading[1] ?? '')}*`);
    else if (bullet) out.push(`${bullet[1] ?? ''}• ${inline(bullet[2] ?? '')}`);
    else if (quote) out.push(`>${inline(quote[1] ?? '')}`);
    else out.push(inline(line));
  }
  if (fence) out.push(codeBlock(fence.join('\n')));
  flushTable();
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Splits mrkdwn into chunks of at most `max` units on line boundaries, closing and reopening a code block
 * that spans two chunks. At most `maxChunks`; what does not fit is cut with a note.
 */
export function chunkMrkdwn(text: string, max: number, maxChunks: number): string[] {
  const chunks: string[] = [];
  let current = '';
  let inFence = false;
  for (const rawLine of text.split('\n')) {
    const line = truncate(rawLine, max - 8);
    const isFence = (line.match(/```/g)?.length ?? 0) % 2 === 1;
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (candidate.length <= max - 4) {
      current = candidate;
    } else if (inFence && isFence && line.trim() === '```') {
      // The closing fence of a block that just filled a chunk: close it there.
      chunks.push(`${current}\n\`\`\``);
      current = '';
    } else {
      chunks.push(inFence ? `${current}\n\`\`\`` : current);
      current = inFence ? `\`\`\`\n${line}` : line;
    }
    if (isFence) inFence = !inFence;
  }
  if (current.trim()) chunks.push(current);
  const nonEmpty = chunks.filter((c) => c.trim() && c.trim() !== '```\n```');
  if (nonEmpty.length <= maxChunks) return nonEmpty;
  const kept = nonEmpty.slice(0, maxChunks);
  const last = kept.length - 1;
  kept[last] = truncate(`${kept[last]}`, max - 45).concat('\n_…cut: too long for one Slack message_');
  return kept;
}
