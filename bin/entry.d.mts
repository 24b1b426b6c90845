// Types of bin/entry.mjs for the TypeScript that imports it (its tests).
export declare const STAMP: string;
export declare function inputsHash(root: string): string;
export type Entry = { kind: 'dist'; url: string } | { kind: 'sources'; reason: string };
export declare function chooseEntry(root: string, env?: NodeJS.ProcessEnv): Entry;
