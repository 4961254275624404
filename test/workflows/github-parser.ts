// GitHub's workflow parser (@actions/workflow-parser), loaded so that it works under vitest on Node.js 20+:
// the package imports its JSON schemas without an import attribute (`with { type: 'json' }`), which Node.js
// rejects for an externalized ES module. A loader hook adds the attribute for that package's JSON files only.
import { register } from 'node:module';

const hook = `
export async function load(url, context, nextLoad) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}`;

register(`data:text/javascript,${encodeURIComponent(hook)}`);

export const workflowParser = await import('@actions/workflow-parser');
export const actionParser = await import('@actions/workflow-parser/actions/action-parser');
export const actionTemplate = await import('@actions/workflow-parser/actions/action-template');
