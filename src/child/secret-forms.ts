// The byte sequences a secret shows up as in output: as is, URL-encoded (query
// strings, form bodies: '/', '+', '=' become %2F, %2B, %3D, in either case) and
// JSON-escaped ('/' as '\/'). Grouped per secret around a run of characters no
// encoding changes, so one search finds every form. Pure.

type Encoder = (text: string) => string;

const ENCODERS: readonly Encoder[] = [
  (text) => text,
  (text) => encodeURIComponent(text),
  (text) => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  (text) => text.replaceAll('/', '\\/'),
  (text) => JSON.stringify(text).slice(1, -1),
];

/** Characters every encoder above leaves as they are. */
const UNCHANGED_RUN = /[A-Za-z0-9._~-]+/g;
/** The shortest search key worth having: shorter ones stop the search too often. */
const MIN_ANCHOR = 6;

export interface SecretForm {
  bytes: Buffer;
  /** Where the group's run starts within this form. */
  runOffset: number;
}

export interface SecretGroup {
  /** Bytes every form of the secret holds unchanged: any part of it can anchor the search. */
  run: Buffer;
  /** Longest first, so the longest form wins where several match at one place. */
  forms: SecretForm[];
}

function longestRun(secret: string): { start: number; text: string } | undefined {
  let best: { start: number; text: string } | undefined;
  for (const match of secret.matchAll(UNCHANGED_RUN)) {
    if (best === undefined || match[0].length > best.text.length) best = { start: match.index, text: match[0] };
  }
  return best;
}

/** Each secret's forms, grouped around a run they all share. */
export function secretGroups(secrets: readonly string[]): SecretGroup[] {
  const groups: SecretGroup[] = [];
  for (const secret of new Set(secrets)) {
    if (secret === '') continue;
    const run = longestRun(secret);
    const encoded = new Map<string, number>();
    for (const encode of ENCODERS) {
      encoded.set(encode(secret), run === undefined ? 0 : Buffer.byteLength(encode(secret.slice(0, run.start))));
    }
    const forms = [...encoded]
      .map(([form, runOffset]) => ({ bytes: Buffer.from(form), runOffset }))
      .sort((a, b) => b.bytes.length - a.bytes.length);
    if (run !== undefined && run.text.length >= MIN_ANCHOR) {
      groups.push({ run: Buffer.from(run.text), forms });
    } else {
      // No distinctive run (a short or symbol-heavy secret): each form is its own group.
      for (const form of forms) groups.push({ run: form.bytes, forms: [{ bytes: form.bytes, runOffset: 0 }] });
    }
  }
  return groups;
}

/**
 * Where in `run` to start the search key: at the byte `counts` (how often each
 * byte value occurred in recent output) shows least often, keeping at least
 * MIN_ANCHOR bytes. Buffer#indexOf skips to the key's first byte at memchr speed,
 * so a first byte the output rarely holds makes the search nearly free, while one
 * it often holds (a digit in timestamps) made it up to 40 times slower.
 */
export function anchorStart(run: Buffer, counts: Uint32Array): number {
  let best = 0;
  for (let at = 1; at <= run.length - MIN_ANCHOR; at += 1) {
    if ((counts[run[at] as number] as number) < (counts[run[best] as number] as number)) best = at;
  }
  return best;
}

/** Every form in the groups, once, longest first. */
export function formsOf(groups: readonly SecretGroup[]): Buffer[] {
  const unique = new Map<string, Buffer>();
  for (const group of groups) for (const form of group.forms) unique.set(form.bytes.toString('latin1'), form.bytes);
  return [...unique.values()].sort((a, b) => b.length - a.length);
}

/** Every printed form of each secret, longest first. */
export function secretForms(secrets: readonly string[]): Buffer[] {
  return formsOf(secretGroups(secrets));
}
