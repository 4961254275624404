export interface ActionEntry {
  name: string;
  dir: string;
}
/** Every action with a src/index.ts: the root action (`root`) and each actions/<name>. */
export function listActions(): ActionEntry[];
