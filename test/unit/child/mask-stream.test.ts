import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { MaskStream } from '../../../src/child/mask-stream.ts';
import { Masker } from '../../../src/child/masker.ts';
import { chooseAnchors, secretForms, secretGroups } from '../../../src/child/secret-forms.ts';

const KEY = 'ASIAQWERTYUIOPASDFGH';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjE/ab+cd==';

async function mask(chunks: (string | Buffer)[], secrets = [KEY, SECRET, TOKEN]): Promise<string> {
  return text(Readable.from(chunks.map((chunk) => Buffer.from(chunk))).pipe(new MaskStream(secrets)));
}

describe('secretForms', () => {
  it('lists the raw, URL-encoded (both cases) and JSON-escaped forms, longest first', () => {
    expect(secretForms(['a/b+c=']).map(String)).toEqual(['a%2Fb%2Bc%3D', 'a%2fb%2bc%3d', 'a\\/b+c=', 'a/b+c=']);
    expect(secretForms(['', 'plain']).map(String)).toEqual(['plain']);
  });
});

describe('chooseAnchors', () => {
  const counts = (common: string) => {
    const table = new Uint32Array(256);
    for (const byte of Buffer.from(common)) table[byte] = 1000;
    return table;
  };
  const groups = secretGroups(['ABCDEFGH', 'xBzyzyzy', 'qqBqqqqq']);
  const chosen = (common: string) =>
    chooseAnchors(groups, counts(common)).map(({ byte, groups: found }) => [
      String.fromCharCode(byte),
      found.map(({ group, offset }) => `${group.run}@${offset}`),
    ]);

  it('takes one byte for all the secrets when they share one the output rarely holds: one pass', () => {
    expect(chosen('ACDEFGHxyzq')).toEqual([['B', ['ABCDEFGH@1', 'xBzyzyzy@1', 'qqBqqqqq@2']]]);
  });

  it('takes a byte per secret when the one they share is common in the output', () => {
    expect(chosen('B')).toEqual([
      ['A', ['ABCDEFGH@0']],
      ['q', ['qqBqqqqq@0']],
      ['x', ['xBzyzyzy@0']],
    ]);
  });

  it('finds every group once, at a byte its run holds, whatever the counts', () => {
    const next = (() => {
      let state = 7;
      return () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
    })();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=';
    for (let round = 0; round < 50; round += 1) {
      const secrets = Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
        Array.from({ length: 4 + Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
      );
      const all = secretGroups(secrets);
      const table = new Uint32Array(256).map(() => Math.floor(next() * 50));
      const found = chooseAnchors(all, table).flatMap(({ byte, groups: covered }) =>
        covered.map(({ group, offset }) => ({ group, ok: group.run[offset] === byte })),
      );
      expect(found.map(({ group }) => all.indexOf(group)).sort((a, b) => a - b)).toEqual(all.map((_, index) => index));
      expect(found.every(({ ok }) => ok)).toBe(true);
    }
  });
});

describe('MaskStream', () => {
  it.each([
    ['a whole secret', [`key=${KEY} secret=${SECRET}\n`], 'key=**** secret=****\n'],
    ['the URL-encoded form', [`x-amz-security-token=${encodeURIComponent(TOKEN)}&a=1`], 'x-amz-security-token=****&a=1'],
    ['lowercase percent escapes', [`t=${encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())}`], 't=****'],
    ['the JSON-escaped form', [JSON.stringify({ s: SECRET }).replaceAll('/', '\\/')], '{"s":"****"}'],
    [
      'a secret split over chunks',
      [`before ${SECRET.slice(0, 10)}`, SECRET.slice(10, 20), `${SECRET.slice(20)} after`],
      'before **** after',
    ],
    ['a secret split byte by byte', [...`<${KEY}>`], '<****>'],
    ['back-to-back secrets', [`${KEY}${KEY}${SECRET}`], '************'],
    ['a near miss', [`${KEY.slice(0, -1)}X and ${SECRET.slice(0, 5)}`], `${KEY.slice(0, -1)}X and ${SECRET.slice(0, 5)}`],
    ['nothing secret', ['hello\n', 'world'], 'hello\nworld'],
  ])('masks %s', async (_name, chunks, expected) => {
    expect(await mask(chunks)).toBe(expected);
  });

  it('masks secrets found by different bytes, interleaved in one chunk', async () => {
    // No byte in common: two passes over the chunk, whose finds must be merged in order.
    expect(await mask(['abcdefgh ABCDEFGH abcdefgh'], ['ABCDEFGH', 'abcdefgh'])).toBe('**** **** ****');
  });

  it('holds back the longest form when only its last byte is missing', async () => {
    const longest = String(secretForms([KEY, SECRET, TOKEN])[0]);
    expect(await mask([`x ${longest.slice(0, -1)}`, `${longest.slice(-1)} y`])).toBe('x **** y');
  });

  it('masks a form begun in the last held-back byte and ended in a long next chunk', async () => {
    // 'abcZ' might begin the second secret and holds the first's first byte: both are held back.
    const secrets = ['Zlongest/secret', 'abcZqrstuvw'];
    const after = ` ${'y'.repeat(60)}`;
    expect(await mask(['x abcZ', `longest%2Fsecret${after}`], secrets)).toBe(`x abc****${after}`);
    expect(await mask(['x abcZ', `qrstuvw${after}`], secrets)).toBe(`x ****${after}`);
  });

  it('is binary-safe', async () => {
    const binary = Buffer.from([0, 255, 1, 128, ...Buffer.from(KEY), 10, 0xc3]);
    const out = Buffer.concat(
      await Readable.from([binary.subarray(0, 7), binary.subarray(7)])
        .pipe(new MaskStream([KEY]))
        .toArray(),
    );
    expect(out).toEqual(Buffer.from([0, 255, 1, 128, ...Buffer.from('****'), 10, 0xc3]));
  });

  it('passes at once what cannot begin a secret, and holds back only a possible beginning', async () => {
    const stream = new MaskStream([KEY]);
    const seen: string[] = [];
    stream.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    stream.write('Continue? [y/N] ');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.join('')).toBe('Continue? [y/N] ');
    stream.write('progress 45% ASIA');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.join('')).toBe('Continue? [y/N] progress 45% ');
    stream.end('XYZ');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(seen.join('')).toBe('Continue? [y/N] progress 45% ASIAXYZ');
  });

  it('keeps a long stream intact apart from the secrets', async () => {
    const line = `line with ${SECRET} inside and some padding text ${'x'.repeat(50)}\n`;
    const input = line.repeat(5000);
    const chunks = input.match(/[\s\S]{1,4093}/g) as string[];
    const out = await mask(chunks);
    expect(out).toBe(input.replaceAll(SECRET, '****'));
  });
});

describe('MaskStream against a reference, on random chunkings', () => {
  // A seeded generator, so a failure replays.
  function random(seed: number) {
    let state = seed;
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
  }
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  function randomCase(seed: number) {
    const next = random(seed);
    const secrets = [KEY, SECRET, TOKEN];
    const forms = secretForms(secrets).map(String);
    const noise = ['log line ', 'ASIA', 'wJal', '%2F', '\\/', '\n', 'IQoJ', '+', '='];
    let text = '';
    for (let i = 0; i < 400; i += 1)
      text += next() < 0.1 ? (forms[Math.floor(next() * forms.length)] as string) : (noise[Math.floor(next() * noise.length)] as string);
    const chunks: string[] = [];
    for (let at = 0; at < text.length; ) {
      const size = 1 + Math.floor(next() * 80);
      chunks.push(text.slice(at, at + size));
      at += size;
    }
    const reference = text.replace(new RegExp(forms.map(escapeRegExp).join('|'), 'g'), '****');
    return { secrets, chunks, reference };
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %d: same as a whole-text regex replacement', async (seed) => {
    const { chunks, reference } = randomCase(seed);
    expect(await mask(chunks)).toBe(reference);
  });

  it.each([1, 2, 3, 4])('seed %d: the same while the search keys change every few bytes', (seed) => {
    const { secrets, chunks, reference } = randomCase(seed);
    const masker = new Masker(secrets, { bytes: 5, every: 11 });
    const pieces = chunks.flatMap((chunk) => masker.mask(Buffer.from(chunk)));
    expect(Buffer.concat([...pieces, ...masker.flush()]).toString()).toBe(reference);
  });
});
