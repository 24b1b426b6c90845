/**
 * The per-tenant callflow matcher (callflows.md "Matching a dialed number"): an exact-number map, then
 * the patterns, then the `no_match` callflow for all-digit numbers. Patterns are compiled once when their
 * callflow is written; each keeps the literal prefix its regex demands (`^\*87([0-9]+)#?$` → `*87`), and
 * patterns are bucketed by the first character of that prefix, so a lookup only runs the regexes that can
 * possibly match.
 */

/** The number that marks a tenant's fallback callflow; never matched as an exact number itself. */
export const NO_MATCH_NUMBER = 'no_match';

export interface IndexMatch {
  callflowId: string;
  via: 'number' | 'pattern' | 'no_match';
  /** The winning capture group (or whole match) for patterns; the dialed text otherwise. */
  capture: string;
}

interface PatternEntry {
  source: string;
  regex: RegExp;
  callflowId: string;
  prefix: string;
  groups: number;
}

const META = '.[]()?*+{}^$|';

interface TrieNode {
  next: Map<string, TrieNode>;
  entries: PatternEntry[];
}

const trieNode = (): TrieNode => ({ next: new Map(), entries: [] });

/**
 * The text every match of `source` must start with: literal characters after a leading `^`, up to the
 * first construct that is not one (a class, group, escape of a letter or digit, …); a character followed
 * by `?`, `*` or `{` does not count, one followed by `+` does. '' when unknown (no `^`, or any `|`).
 */
export function literalPrefix(source: string): string {
  if (!source.startsWith('^') || source.includes('|')) return '';
  let out = '';
  let i = 1;
  while (i < source.length) {
    const c = source[i];
    let lit: string;
    let next: number;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break;
      lit = e;
      next = i + 2;
    } else if (META.includes(c)) {
      break;
    } else {
      lit = c;
      next = i + 1;
    }
    const q = source[next];
    if (q === '?' || q === '*' || q === '{') break;
    out += lit;
    if (q === '+') break;
    i = next;
  }
  return out;
}

function countGroups(regex: RegExp): number {
  return (new RegExp(`${regex.source}|`).exec('')?.length ?? 1) - 1;
}

/** Numbers and patterns of one tenant's callflows, kept current on every callflow write. */
export class CallflowIndex {
  private readonly numbers = new Map<string, string>();
  private readonly numbersOf = new Map<string, readonly string[]>();
  private readonly patternsOf = new Map<string, PatternEntry[]>();
  private trie: TrieNode = trieNode();
  private dirty = false;

  /** Sets (or replaces) the keys of one callflow. Patterns that do not compile are skipped. */
  set(callflowId: string, numbers: readonly string[], patterns: readonly string[]): void {
    this.remove(callflowId);
    for (const n of numbers) this.numbers.set(n, callflowId);
    this.numbersOf.set(callflowId, [...numbers]);
    const entries: PatternEntry[] = [];
    for (const source of patterns) {
      let regex: RegExp;
      try {
        regex = new RegExp(source);
      } catch {
        continue; // refused on save; only odd stored data gets here
      }
      entries.push({ source, regex, callflowId, prefix: literalPrefix(source), groups: countGroups(regex) });
    }
    if (entries.length > 0) {
      this.patternsOf.set(callflowId, entries);
      this.dirty = true;
    }
  }

  remove(callflowId: string): void {
    for (const n of this.numbersOf.get(callflowId) ?? []) {
      if (this.numbers.get(n) === callflowId) this.numbers.delete(n);
    }
    this.numbersOf.delete(callflowId);
    if (this.patternsOf.delete(callflowId)) this.dirty = true;
  }

  /** The callflow holding an exact number. */
  byNumber(number: string): string | undefined {
    return this.numbers.get(number);
  }

  private rebuild(): void {
    this.trie = trieNode();
    for (const entries of this.patternsOf.values()) {
      for (const e of entries) {
        let node = this.trie;
        for (let i = 0; i < e.prefix.length; i++) {
          const ch = e.prefix[i]; // UTF-16 units, as the lookup walks the dialed text
          let child = node.next.get(ch);
          if (!child) node.next.set(ch, (child = trieNode()));
          node = child;
        }
        node.entries.push(e);
      }
    }
    this.dirty = false;
  }

  /** The best match for a dialed number, or undefined (the caller gets 404). */
  match(dialed: string): IndexMatch | undefined {
    if (dialed !== NO_MATCH_NUMBER) {
      const exact = this.numbers.get(dialed);
      if (exact !== undefined) return { callflowId: exact, via: 'number', capture: dialed };
    }
    if (this.dirty) this.rebuild();
    let best: PatternEntry | undefined;
    let bestCapture = '';
    const consider = (e: PatternEntry): void => {
      const m = e.regex.exec(dialed);
      if (!m) return;
      let capture = e.groups === 0 ? m[0] : '';
      for (let g = 1; g <= e.groups; g++) {
        const text = m[g];
        if (text !== undefined && text.length > capture.length) capture = text;
      }
      if (
        !best ||
        capture.length > bestCapture.length ||
        (capture.length === bestCapture.length && e.source < best.source)
      ) {
        best = e;
        bestCapture = capture;
      }
    };
    let node: TrieNode | undefined = this.trie;
    for (let i = 0; node; i++) {
      for (const e of node.entries) consider(e);
      node = i < dialed.length ? node.next.get(dialed[i]) : undefined;
    }
    if (best) return { callflowId: best.callflowId, via: 'pattern', capture: bestCapture };
    if (/^[0-9]+$/.test(dialed)) {
      const fallback = this.numbers.get(NO_MATCH_NUMBER);
      if (fallback !== undefined) return { callflowId: fallback, via: 'no_match', capture: dialed };
    }
    return undefined;
  }
}
