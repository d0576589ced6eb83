// Stands in for the string-width package inside the bundle. yargs lays out --help
// with it; the real one builds Unicode tables and an Intl.Segmenter at load, about
// 20 ms of every start. The help text is ASCII, so its length is its width.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what ANSI colour codes start with.
const ANSI_ESCAPE = /\u001B\[[0-9;]*[A-Za-z]/g;

export default function stringWidth(text: unknown): number {
  return typeof text === 'string' ? text.replace(ANSI_ESCAPE, '').length : 0;
}
