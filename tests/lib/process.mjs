// Child processes of the Node suites (tests/compat/node, tests/dashboard): waiting for a line a server
// prints when it is ready, and stopping it. No npm dependency, so that either suite can import it.
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 60_000;

/** Resolves with the match of the first line (stdout or stderr) matching `pattern`; keeps the last 400 lines in `log`. */
export function waitForLine(child, pattern, name, log) {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`${name} did not print ${pattern} within ${START_TIMEOUT_MS} ms\n${log.join('\n')}`));
    }, START_TIMEOUT_MS);
    const onLine = (line) => {
      log.push(line);
      if (log.length > 400) log.shift();
      if (process.env.DEBUG_SERVER) process.stderr.write(`[${name}] ${line}\n`);
      const m = !done && pattern.exec(line);
      if (m) {
        done = true;
        clearTimeout(timer);
        resolve(m);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready\n${log.join('\n')}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
export function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
