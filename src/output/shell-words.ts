// Text as a POSIX shell reads it back: for export lines, scripts and commands shown. Pure.

/** Always single-quoted: `'it'\''s'`. */
export const shellWord = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** Quoted only where the shell needs it: `./deploy.sh` stays as it is, `a b` becomes `'a b'`. */
export function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : shellWord(argument);
}
