import type { CommandIo } from '../cli.ts';
import { InternalError } from '../errors.ts';
import type { Options } from '../options/normalize.ts';

export async function verifyCommand(_options: Options, _io: CommandIo): Promise<number> {
  throw new InternalError('verify: not built yet', { fix: 'use the default command' });
}
