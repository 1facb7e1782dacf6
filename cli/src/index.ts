// @moor/cli as a library: the command tree, for tools that embed or document it.
export { createProgram } from './program.js';
export { VERSION } from './version.js';
