// `node lib/stack.mjs` starts one Threadline server (and Prism in front of it with PRISM=1) for a whole run,
// prints `THREADLINE_URL=<url> THREADLINE_DIRECT_URL=<url>` on one line, and stops both on SIGTERM/SIGINT.
import { startThreadline } from './server.mjs';

const stack = await startThreadline();
process.stdout.write(`THREADLINE_URL=${stack.baseURL} THREADLINE_DIRECT_URL=${stack.directURL}\n`);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
setInterval(() => {}, 1 << 30);
