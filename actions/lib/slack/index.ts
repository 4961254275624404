// Slack for actions: text escaping and limits, Block Kit builders, and the Web API / webhook client.
export * from './blocks.js';
export * from './client.js';
export * from './text.js';
