// Echoing values that come from a user, a file, a server or a container log: one escaping path for the
// log (the toolkit's escaping of workflow-command data) and one bound on how much of a value is quoted.
// Pure: errors.ts, inputs.ts and the summaries use it without @actions/core.

/**
 * A value from a user, a file, a server or a container log, made safe for one log line: `%`, CR and LF
 * escaped exactly as the toolkit escapes workflow-command data (`%25`, `%0D`, `%0A`), so a value can never
 * end the line it is on and start a workflow command (`::error::…`) on the next.
 */
export function escapeData(value: unknown): string {
  return String(value ?? '')
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A');
}

/** How much of an echoed value (an input, a line of a file, a server's message) a message quotes. */
export const QUOTE_LIMIT = 200;

/**
 * At most `max` characters of `value`, on a code point boundary, with how much was left out: for echoing
 * values of any length (a 100 kB input must not become a 100 kB error line and summary).
 */
export function clip(value: string, max = QUOTE_LIMIT): string {
  if (value.length <= max) return value;
  let cut = max;
  const unit = value.charCodeAt(cut - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) cut--;
  return `${value.slice(0, cut)}… (${value.length - cut} more characters)`;
}

/**
 * At most `max` characters in all, ending with "…" when cut: for fields with a hard limit (a GitHub
 * deployment status description takes 140 characters).
 */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = max - 1;
  const unit = value.charCodeAt(cut - 1);
  if (unit >= 0xd800 && unit <= 0xdbff) cut--;
  return `${value.slice(0, cut)}…`;
}

/** A value quoted for a message: clipped to a few hundred characters and escaped for the log, in quotes. */
export function quote(value: string, max = QUOTE_LIMIT): string {
  return `"${escapeData(clip(value, max))}"`;
}

/** Server text (an API's error message, a response body) echoed in an error: one line, bounded. */
export function serverText(text: string, max = 500): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** Names of keys, variables and inputs (DbPassword, SLACK_BOT_TOKEN, INPUT_WEBHOOK-URL, …) that hold secrets. */
const SECRET_NAME =
  /(TOKEN|SECRET|PASS(WORD|WD)?(?![a-z])|PASSPHRASE|WEBHOOK|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|API[_-]?KEY|CREDENTIAL)/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A line quoted in an error (`KEY=VALUE`, `KEY: VALUE` or `KEY VALUE`, possibly malformed) with the value
 * replaced by `***` when the key looks secret (`DbPassword: hunter2` → `DbPassword: ***`), then clipped.
 */
export function redactLine(line: string, max = QUOTE_LIMIT): string {
  const match = /^(\s*["']?[^\s=:"']+["']?)(\s*[=:]\s*|\s+)(\S.*)$/.exec(line);
  const redacted = match && looksSecret(match[1] ?? '') ? `${match[1]}${match[2]}***` : line;
  return clip(redacted, max);
}

/**
 * Why JSON.parse refused a text, without the excerpt of the text Node.js quotes in its message
 * (`Unexpected token 'h', ..."assword": hunter2}" is not valid JSON`): a file's content is never echoed.
 */
export function jsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return clip(
    message.replace(/,\s*(\.\.\.)?"[\s\S]*"(\.\.\.)?\s+is not valid JSON$/, ' (not valid JSON)'),
    200,
  );
}
