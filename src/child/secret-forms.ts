// The byte sequences a secret shows up as in output: as is, URL-encoded (query
// strings, form bodies: '/', '+', '=' become %2F, %2B, %3D, in either case) and
// JSON-escaped ('/' as '\/'). Grouped per secret around an anchor, a run of
// characters no encoding changes, so one search finds every form. Pure.

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
const MIN_ANCHOR = 6;

export interface SecretForm {
  bytes: Buffer;
  /** Where the group's anchor starts within this form. */
  anchorOffset: number;
}

export interface SecretGroup {
  anchor: Buffer;
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

/** Each secret's forms, found by searching for its anchor. */
export function secretGroups(secrets: readonly string[]): SecretGroup[] {
  const groups: SecretGroup[] = [];
  for (const secret of new Set(secrets)) {
    if (secret === '') continue;
    const anchor = longestRun(secret);
    const encoded = new Map<string, number>();
    for (const encode of ENCODERS) {
      const form = encode(secret);
      encoded.set(form, anchor === undefined ? 0 : Buffer.byteLength(encode(secret.slice(0, anchor.start))));
    }
    const forms = [...encoded]
      .map(([form, anchorOffset]) => ({ bytes: Buffer.from(form), anchorOffset }))
      .sort((a, b) => b.bytes.length - a.bytes.length);
    if (anchor !== undefined && anchor.text.length >= MIN_ANCHOR) {
      groups.push({ anchor: Buffer.from(anchor.text), forms });
    } else {
      // No distinctive run (a short or symbol-heavy secret): each form is its own anchor.
      for (const form of forms) groups.push({ anchor: form.bytes, forms: [{ bytes: form.bytes, anchorOffset: 0 }] });
    }
  }
  return groups;
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
