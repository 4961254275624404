// Block Kit building blocks that always respect Slack's limits, so whatever text goes in, Slack accepts the
// message: header ≤ 150, section text ≤ 3,000, ≤ 10 fields of ≤ 2,000, ≤ 10 context elements, ≤ 50 blocks,
// message text ≤ 40,000 (kept far lower: it is the notification fallback). Text given to these functions is
// mrkdwn that is already safe (built with text.ts); `header` takes plain text.
import { plainText, truncate } from './text.js';

export const SLACK_LIMITS = {
  /** `text` of a message. */
  text: 40_000,
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextElements: 10,
  fieldText: 2000,
  fields: 10,
  /**
   * Not documented as one number: Slack rejects messages whose blocks hold much more than ~12,000
   * characters in total (msg_blocks_too_long). Builders keep under this budget.
   */
  blockCharacters: 12_000,
} as const;

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface MrkdwnObject {
  type: 'mrkdwn';
  text: string;
  /** true: Slack does not auto-link channel names or parse mentions in it. */
  verbatim?: boolean;
}

export type TextObject = PlainTextObject | MrkdwnObject;

export type Block =
  | { type: 'header'; text: PlainTextObject; block_id?: string }
  | { type: 'section'; text?: MrkdwnObject; fields?: MrkdwnObject[]; block_id?: string }
  | { type: 'context'; elements: TextObject[]; block_id?: string }
  | { type: 'divider'; block_id?: string };

export function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): MrkdwnObject {
  return { type: 'mrkdwn', text: truncate(text || ' ', max), verbatim: true };
}

/** A header from plain (unescaped) text; emoji shortcodes such as `:rocket:` render. */
export function header(text: string): Block {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(plainText(text) || ' ', SLACK_LIMITS.headerText),
      emoji: true,
    },
  };
}

export function section(text: string): Block {
  return { type: 'section', text: mrkdwn(text) };
}

/** A section of label/value fields (at most 10; each `*label*\nvalue`, at most 2,000). */
export function fields(pairs: Array<[label: string, value: string]>): Block {
  return {
    type: 'section',
    fields: pairs
      .slice(0, SLACK_LIMITS.fields)
      .map(([label, value]) => mrkdwn(`*${label}*\n${value}`, SLACK_LIMITS.fieldText)),
  };
}

export function context(elements: string[]): Block {
  return {
    type: 'context',
    elements: elements
      .filter(Boolean)
      .slice(0, SLACK_LIMITS.contextElements)
      .map((e) => mrkdwn(e)),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

function textOf(block: Block): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0);
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    default:
      return 0;
  }
}

/** The characters of text a list of blocks holds (what `blockCharacters` budgets). */
export function blockCharacters(blocks: Block[]): number {
  return blocks.reduce((n, b) => n + textOf(b), 0);
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/**
 * A message: `fallback` (mrkdwn, shown in notifications and where blocks cannot be) cut to a sensible length,
 * at most 50 blocks, and blocks dropped from the end (with a note) if their text exceeds the budget.
 */
export function message(fallback: string, blocks: Block[]): SlackMessage {
  let kept = blocks
    .filter((b) => b.type !== 'context' || b.elements.length > 0)
    .slice(0, SLACK_LIMITS.blocks);
  const note = context(['_Some details were left out: the message was too long for Slack._']);
  if (blockCharacters(kept) > SLACK_LIMITS.blockCharacters) {
    while (kept.length > 1 && blockCharacters([...kept, note]) > SLACK_LIMITS.blockCharacters)
      kept = kept.slice(0, -1);
    kept = [...kept.slice(0, SLACK_LIMITS.blocks - 1), note];
  }
  return { text: truncate(fallback || ' ', 3000), blocks: kept };
}
