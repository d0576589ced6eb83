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
/** The shortest run to group a secret's forms around; with less, each form is a group of its own. */
const MIN_RUN = 6;

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
    if (run !== undefined && run.text.length >= MIN_RUN) {
      groups.push({ run: Buffer.from(run.text), forms });
    } else {
      // No distinctive run (a short or symbol-heavy secret): each form is its own group.
      for (const form of forms) groups.push({ run: form.bytes, forms: [{ bytes: form.bytes, runOffset: 0 }] });
    }
  }
  return groups;
}

/** A byte to look for in the output, and where it sits in the run of each group it finds. */
export interface ByteAnchor {
  byte: number;
  groups: { group: SecretGroup; offset: number }[];
}

/**
 * What one pass over the output costs, in bytes of a 16 KB sample that stop it
 * (a false hit: a call and a check or two): Buffer#indexOf finds a byte at
 * memchr speed, so a pass over a 128 KB read costs about as much as 40 hits.
 */
const PASS_COST = 5;

/**
 * The bytes to look for so that every group is found, chosen from `counts`
 * (how often each byte value occurred in recent output): a weighted set cover,
 * each step taking the byte with the least cost per group it adds, a pass plus
 * its hits. Mostly one byte the output rarely holds that all the secrets
 * contain, so the output is read once rather than once per secret.
 */
export function chooseAnchors(groups: readonly SecretGroup[], counts: Uint32Array): ByteAnchor[] {
  const anchors: ByteAnchor[] = [];
  let left = [...groups];
  while (left.length > 0) {
    // How many of the groups left hold each byte.
    const holding = new Uint8Array(256);
    for (const group of left) for (const byte of new Set(group.run)) holding[byte] = (holding[byte] as number) + 1;
    let best: { byte: number; cost: number } | undefined;
    for (let byte = 0; byte < 256; byte += 1) {
      if (holding[byte] === 0) continue;
      const cost = (PASS_COST + (counts[byte] as number)) / (holding[byte] as number);
      if (best === undefined || cost < best.cost) best = { byte, cost };
    }
    const byte = (best as { byte: number }).byte;
    const covered = left.filter((group) => group.run.includes(byte));
    anchors.push({ byte, groups: covered.map((group) => ({ group, offset: group.run.indexOf(byte) })) });
    left = left.filter((group) => !covered.includes(group));
  }
  return anchors;
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
