#!/usr/bin/env node
// The `moor` command: a committed entry point, so npm can link it at install time even before
// the CLI is built; it runs the build in ../dist.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'moor: the CLI is not built yet; run `npm run build` (or hack/sandbox up) in the repository\n',
  );
  process.exit(1);
}
await import(main.href);
