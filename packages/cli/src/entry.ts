// The installed binary's entry: what the bundle (../scripts/bundle.js) starts from. Nothing is
// imported here that a command does not need: each command loads its own code when it runs.
export { cli } from './commands.js';
