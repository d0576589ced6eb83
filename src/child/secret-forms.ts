// How a secret can show up in output, character by character: as itself,
// URL-encoded (%2F, either case), JSON-escaped (\/, \", \\) or as a JSON \uXXXX
// escape (either case; some encoders escape every character, others only some),
// in any mix. Matching walks those alternatives forward or backward from a place
// a search found; the searches need a byte or a run of bytes that every form
// shows as it is. Pure.

/** One way a character can be printed: its bytes, hex digits compared by value (either case). */
export interface Pattern {
  bytes: Uint8Array;
  /** 1 where the byte is a hex digit of an escape: compared by value, so case does not matter. */
  hex: Uint8Array;
}

export interface SecretUnits {
  text: string;
  /** Per character, the patterns it may be printed as; the character itself first. */
  units: Pattern[][];
  /** The character's own bytes per unit, for the fast all-literal check. */
  literal: Uint8Array;
  /** Whether every character is one byte (ASCII): then unit i is byte i of `literal`. */
  ascii: boolean;
  /** The longest any form of it can be (every character as \uXXXX). */
  maxLength: number;
  /** Every byte a form can begin with. */
  firstBytes: number[];
}

/** Match results besides an end or start position. */
export const NO_MATCH = -1;
export const NEEDS_MORE = -2;

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit += 1) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

const BACKSLASH = 0x5c;

function pattern(text: string, hexFrom = text.length): Pattern {
  const bytes = Buffer.from(text, 'latin1');
  const hex = new Uint8Array(bytes.length);
  for (let at = hexFrom; at < bytes.length; at += 1) hex[at] = 1;
  return { bytes, hex };
}

/** The patterns one character of a secret may be printed as, the character itself first. */
export function patternsOf(char: string): Pattern[] {
  const patterns: Pattern[] = [{ bytes: Buffer.from(char), hex: new Uint8Array(Buffer.byteLength(char)) }];
  const short = { '/': '\\/', '"': '\\"', '\\': '\\\\' }[char];
  if (short !== undefined) patterns.push(pattern(short));
  if (char.length === 1) patterns.push(pattern(`\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`, 2));
  const url = encodeURIComponent(char);
  if (url !== char && url.length === 3) patterns.push(pattern(url, 1));
  return patterns;
}

/**
 * The patterns of each character met so far, shared by every secret that holds it:
 * never changed once made. A secret is then an array of references, not thousands
 * of small buffers: an all-day block that refreshes 48 times keeps every secret it
 * served without its masker growing by a megabyte at each refresh.
 */
const patternsByChar = new Map<string, Pattern[]>();

function sharedPatternsOf(char: string): Pattern[] {
  let patterns = patternsByChar.get(char);
  if (patterns === undefined) {
    patterns = patternsOf(char);
    patternsByChar.set(char, patterns);
  }
  return patterns;
}

/** A secret as units of alternatives, with what the matchers and searches need. */
export function unitsOf(text: string): SecretUnits {
  const chars = [...text];
  const units = chars.map(sharedPatternsOf);
  const first = new Set<number>();
  for (const alternative of units[0] ?? []) first.add(alternative.bytes[0] as number);
  return {
    text,
    units,
    literal: Buffer.from(text),
    ascii: Buffer.byteLength(text) === chars.length,
    maxLength: units.reduce((sum, alternatives) => sum + Math.max(...alternatives.map((alternative) => alternative.bytes.length)), 0),
    firstBytes: [...first],
  };
}

/** Whether `pattern` is in `data` at `at`: its end, NO_MATCH, or NEEDS_MORE when `data` ends inside a match. */
function patternForward(data: Uint8Array, at: number, end: number, pattern: Pattern): number {
  const { bytes, hex } = pattern;
  for (let k = 0; k < bytes.length; k += 1) {
    if (at + k >= end) return NEEDS_MORE;
    const byte = data[at + k] as number;
    if (byte !== bytes[k] && (hex[k] === 0 || HEX_VALUE[byte] !== HEX_VALUE[bytes[k] as number])) return NO_MATCH;
  }
  return at + bytes.length;
}

/** Whether `pattern` ends in `data` at `at`: its start, or NO_MATCH (also when it would start before `begin`). */
function patternBackward(data: Uint8Array, at: number, begin: number, pattern: Pattern): number {
  const { bytes, hex } = pattern;
  const start = at - bytes.length;
  if (start < begin) return NO_MATCH;
  for (let k = bytes.length - 1; k >= 0; k -= 1) {
    const byte = data[start + k] as number;
    if (byte !== bytes[k] && (hex[k] === 0 || HEX_VALUE[byte] !== HEX_VALUE[bytes[k] as number])) return NO_MATCH;
  }
  return start;
}

/**
 * Matches units[from..] forward from `at`: the end of the form, NO_MATCH, or
 * NEEDS_MORE when `data` ends while the form may go on. Where two patterns fit at
 * one place (a secret holding \ or %), both are tried.
 */
export function matchForward(data: Uint8Array, at: number, end: number, secret: SecretUnits, from: number): number {
  const { units } = secret;
  let position = at;
  for (let index = from; index < units.length; index += 1) {
    const alternatives = units[index] as Pattern[];
    let next = NO_MATCH;
    let more = false;
    for (let choice = 0; choice < alternatives.length; choice += 1) {
      const found = patternForward(data, position, end, alternatives[choice] as Pattern);
      if (found === NEEDS_MORE) more = true;
      else if (found >= 0) {
        if (next >= 0) {
          // A second fit here (a secret holding \ or %): follow each to the end, the first that matches wins.
          const first = matchForward(data, next, end, secret, index + 1);
          if (first >= 0) return first;
          const second = matchForward(data, found, end, secret, index + 1);
          if (second >= 0) return second;
          return first === NEEDS_MORE || second === NEEDS_MORE || more ? NEEDS_MORE : NO_MATCH;
        }
        next = found;
      }
    }
    if (next < 0) return more ? NEEDS_MORE : NO_MATCH;
    position = next;
  }
  return position;
}

/** Matches units[0..until) backward, ending at `at`: the form's start, or NO_MATCH (also when it would start before `begin`). */
export function matchBackward(data: Uint8Array, at: number, begin: number, secret: SecretUnits, until: number): number {
  const { units } = secret;
  let position = at;
  for (let index = until - 1; index >= 0; index -= 1) {
    const alternatives = units[index] as Pattern[];
    let next = NO_MATCH;
    for (let choice = 0; choice < alternatives.length; choice += 1) {
      const found = patternBackward(data, position, begin, alternatives[choice] as Pattern);
      if (found < 0) continue;
      if (next >= 0) {
        const first = matchBackward(data, next, begin, secret, index);
        return first >= 0 ? first : matchBackward(data, found, begin, secret, index);
      }
      next = found;
    }
    if (next < 0) return NO_MATCH;
    position = next;
  }
  return position;
}

/** Whether the secret's own bytes are in `data` at `start` (the common case: printed as it is). */
export function literalAt(data: Uint8Array, start: number, secret: SecretUnits): boolean {
  const { literal } = secret;
  const last = literal.length - 1;
  if (start < 0 || start + last >= data.length || data[start + last] !== literal[last]) return false;
  for (let k = 0; k < last; k += 1) if (data[start + k] !== literal[k]) return false;
  return true;
}

/** Whether `data` at `at` holds \uXXXX (either case): the escaped code, else -1. */
export function unicodeEscapeAt(data: Uint8Array, at: number, end: number): number {
  if (at + 6 > end || data[at] !== BACKSLASH || data[at + 1] !== 0x75) return -1;
  let code = 0;
  for (let k = 2; k < 6; k += 1) {
    const digit = HEX_VALUE[data[at + k] as number] as number;
    if (digit < 0) return -1;
    code = code * 16 + digit;
  }
  return code;
}
