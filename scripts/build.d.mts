export interface ActionEntry {
  name: string;
  dir: string;
}
/** Every action with a src/index.ts: the root action (`root`) and each actions/<name>. */
export function listActions(): ActionEntry[];
/** The hash of everything the bundle of `action` is built from; `undefined` when its graph cannot be read. */
export function inputsHash(action: ActionEntry): Promise<string | undefined>;
/** Records in `dir` (a built bundle) the inputs it was built from and the hash of its files. */
export function writeStamp(dir: string, inputs: string | undefined): void;
/** Whether `dir` holds the bundle of exactly these inputs, untouched since it was built. */
export function isFresh(dir: string, inputs: string | undefined): boolean;
