// Checks on deploy inputs that need no AWS call: image references, one-off task commands, environment
// values that look like secrets. No SDK imports here: main loads this module before inputs are valid.

export interface ImageReference {
  /** Registry host (and port), when the reference names one. */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_PATTERN = new RegExp(
  `^(?:(?<registry>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?)/)?` +
    `(?<repository>${COMPONENT}(?:/${COMPONENT})*)` +
    '(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?' +
    '(?:@(?<digest>sha256:[a-f0-9]{64}))?$',
);

/** What an image input must look like, for error messages. */
export const IMAGE_ACCEPTED =
  'an image reference like 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:<64 hex digits> (by digest) or …/app:tag';

/**
 * Parses a container image reference (`[registry/]repository[:tag][@sha256:digest]`), the grammar Docker
 * and ECS accept; `undefined` if `value` is not one.
 */
export function parseImageReference(value: string): ImageReference | undefined {
  if (value.length > 1024) return undefined;
  const match = IMAGE_PATTERN.exec(value);
  if (!match?.groups) return undefined;
  const { registry, repository, tag, digest } = match.groups;
  // A first component without a dot, a port or "localhost" is part of the repository, not a registry.
  if (registry && !/[.:]/.test(registry) && registry !== 'localhost') {
    if (!new RegExp(`^${COMPONENT}$`).test(registry)) return undefined;
    return { repository: `${registry}/${repository}`, tag, digest };
  }
  return { registry, repository: repository as string, tag, digest };
}

/** A warning when the image is not pinned by digest (tags are mutable), else `undefined`. */
export function mutableImageWarning(reference: ImageReference, value: string): string | undefined {
  if (reference.digest) return undefined;
  const tag = reference.tag ?? 'latest';
  return `image: ${value} is referenced by the tag "${tag}"${reference.tag ? '' : ' (implied)'}, which can be moved to another image; deploy by digest (…@sha256:…, the build-push action's image output) so that every task runs exactly what was built and tested`;
}

/**
 * Splits a one-off task command into the argument list ECS runs (no shell involved): a JSON array of
 * strings, or words separated by spaces where 'single' and "double" quotes group words and a backslash
 * escapes the next character. Returns a problem description instead when the command cannot be split.
 */
export function splitCommand(value: string): string[] | string {
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => typeof p === 'string')) {
        return parsed as string[];
      }
    } catch {
      // reported below
    }
    return 'is not a JSON array of strings (e.g. ["npm", "run", "migrate"])';
  }
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return `has an unclosed ${quote} quote`;
  if (inWord) words.push(word);
  if (words.length === 0) return 'is empty';
  return words;
}

const SECRET_KEY =
  /(^|[_.-])(PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)([_.-]|$)/i;
const SECRET_VALUE: RegExp[] = [
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i, // a URL with a password in it
  /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, // Slack tokens
  /\b(sk|rk)_live_[A-Za-z0-9]{16,}\b/, // Stripe keys
];

/** Why an environment variable looks like it holds a secret, or `undefined` when it does not. */
export function secretLikeReason(key: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (SECRET_KEY.test(key)) return 'its name suggests a secret';
  if (SECRET_VALUE.some((pattern) => pattern.test(value))) return 'its value looks like a credential';
  return undefined;
}
