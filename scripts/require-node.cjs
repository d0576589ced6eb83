// The first step of every npm script: the scripts are TypeScript that Node runs
// itself, from 22.18 on. On an older Node, one line saying so and what to run
// instead, rather than a stack trace about the ".ts" extension. CommonJS on
// purpose: it must load on any Node.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const script = process.env.npm_lifecycle_event || 'test';
  console.error(
    `with-assumed-role: its scripts need Node.js 22.18 or newer, and this is ${process.version}: run ./dev ${script} instead, which brings Node 24 from the npm registry`,
  );
  process.exit(1);
}
