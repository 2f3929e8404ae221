/**
 * MQTT topic-filter logic for the ACL: whether a filter matches a concrete topic, and whether
 * an allowed filter covers every topic a requested filter could match.
 */

/** MQTT matching of a concrete topic against a filter with `+` and `#` ([MQTT-4.7]). */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1]: wildcards at the first level never match topics starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
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

export const topicLevels = (topic: string): number => topic.split('/').length;
