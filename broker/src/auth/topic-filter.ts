/**
 * MQTT topic-filter logic for the ACL: whether a filter matches a concrete topic, and whether
 * an allowed filter covers every topic a requested filter could match.
 */

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/** True when `s` has a whole level `c` (`+` or `#`) starting at `i`. */
const wildcardAt = (s: string, i: number, c: number): boolean =>
  s.charCodeAt(i) === c && (i + 1 === s.length || s.charCodeAt(i + 1) === SLASH);

/**
 * MQTT matching of a concrete topic against a filter with `+` and `#` ([MQTT-4.7]). It runs for
 * every PUBLISH (the ACL), so it walks both strings in place instead of splitting them.
 */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1]: wildcards at the first level never match topics starting with '$'.
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    // At the start of a level in both.
    if (wildcardAt(filter, f, HASH)) return true;
    if (wildcardAt(filter, f, PLUS)) {
      f++;
      while (t < topic.length && topic.charCodeAt(t) !== SLASH) t++;
    } else {
      while (f < filter.length && filter.charCodeAt(f) !== SLASH) {
        if (t >= topic.length || filter.charCodeAt(f) !== topic.charCodeAt(t)) return false;
        f++;
        t++;
      }
      if (t < topic.length && topic.charCodeAt(t) !== SLASH) return false;
    }
    const filterDone = f >= filter.length;
    const topicDone = t >= topic.length;
    if (filterDone) return topicDone;
    // `a/#` also matches `a` itself.
    if (topicDone) return f + 2 === filter.length && filter.charCodeAt(f + 1) === HASH;
    f++; // both at '/'
    t++;
  }
}

/** True when every topic `requested` can match is also matched by `allowed`. */
export function filterCovers(allowed: string, requested: string): boolean {
  if (requested.startsWith('$') && (allowed.startsWith('+') || allowed.startsWith('#')))
    return false;
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < r.length; i++) {
    const want = r[i];
    const have = a[i];
    if (have === '#') return true;
    if (have === undefined || want === '#') return false;
    if (have === '+') continue;
    if (want !== have) return false; // a literal never covers '+'
  }
  // `a/#` also matches `a` itself.
  return a.length === r.length || (a.length === r.length + 1 && a[r.length] === '#');
}

export function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = topic.indexOf('/'); i !== -1; i = topic.indexOf('/', i + 1)) levels++;
  return levels;
}
