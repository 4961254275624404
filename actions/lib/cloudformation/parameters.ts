// Stack parameters from a JSON file, in either of the two shapes people keep them in: the CLI's
// `[{ "ParameterKey": "K", "ParameterValue": "V" }]`, or a plain `{ "K": "V" }` object. No SDK here.
// Problems never quote the file's content beyond a bounded key (a secret value cannot leak through one).
import { clip, jsonErrorReason, quote } from '../echo.js';

/**
 * Reads a parameter file's text; `path` is used in messages. Values that are numbers or booleans become
 * their text; a list becomes a comma-separated value (as a CommaDelimitedList parameter expects).
 * Returns the parameters, or the problems found (one line each).
 */
export function parseParameterFile(
  text: string,
  path: string,
): { parameters: Record<string, string>; problems: string[] } {
  const parameters: Record<string, string> = {};
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { parameters, problems: [`${path} is not valid JSON: ${jsonErrorReason(error)}`] };
  }
  const shapes = 'either [{"ParameterKey": "Name", "ParameterValue": "value"}, …] or {"Name": "value", …}';
  const add = (key: string, value: unknown, where: string) => {
    if (!/^[A-Za-z0-9]+$/.test(key)) {
      problems.push(
        `${path}: ${clip(where, 60)}: ${quote(key, 60)} is not a parameter name (letters and digits only)`,
      );
      return;
    }
    if (key in parameters) {
      problems.push(`${path}: ${key} is given twice`);
      return;
    }
    const text = toText(value);
    if (text === undefined) {
      problems.push(`${path}: ${key}: the value must be a string, number, boolean or list of those`);
      return;
    }
    parameters[key] = text;
  };
  if (Array.isArray(data)) {
    data.forEach((entry, index) => {
      const where = `entry ${index + 1}`;
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        problems.push(`${path}: ${where} is not an object; the file must be ${shapes}`);
        return;
      }
      const { ParameterKey: key, ParameterValue: value } = entry as Record<string, unknown>;
      if (typeof key !== 'string') {
        problems.push(`${path}: ${where} has no ParameterKey; the file must be ${shapes}`);
        return;
      }
      if (value === undefined) {
        problems.push(
          `${path}: ${key} has no ParameterValue (UsePreviousValue is not supported in a parameter file: give the value)`,
        );
        return;
      }
      add(key, value, where);
    });
  } else if (data !== null && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) add(key, value, key);
  } else {
    problems.push(`${path}: the file must be ${shapes}`);
  }
  return { parameters, problems };
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
    return value.map(String).join(',');
  }
  return undefined;
}
