/** Once before every test file: the web console is built, so stacks started by tests in parallel share one build. */
import { ensureConsoleBuilt } from './packages/console/build.js';

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
