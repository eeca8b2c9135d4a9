// Launches the real Threadline server (a separate dotnet process) and, for PRISM=1, Stoplight Prism's validating
// proxy in front of it (`prism proxy <spec> <upstream> --errors`).
//
// run.sh starts one shared stack per run (lib/stack.mjs) and hands it to the test files through THREADLINE_URL /
// THREADLINE_DIRECT_URL; a file that needs its own configuration, or a file run alone, starts its own.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stop, waitForLine } from '../../../lib/process.mjs';
import { packageRoot, repoRoot } from './paths.mjs';
import { prismSpecFile } from './spec.mjs';

const configuration = process.env.CONFIGURATION ?? 'Release';
const serverDll = path.join(repoRoot, 'src/Threadline/bin', configuration, 'net10.0/Threadline.dll');
const prismCli = path.join(packageRoot, 'node_modules/@stoplight/prism-cli/dist/index.js');

/** True when the suite runs through the Prism validating proxy (PRISM=1). */
export const viaPrism = process.env.PRISM === '1';

/**
 * Starts Prism as a validating proxy for `upstream` (a URL ending in /v1), on a free loopback port.
 * @returns {Promise<{ baseURL: string, log: string[], stop: () => Promise<void> }>}
 */
export async function startPrism(upstream) {
  const child = spawn(
    process.execPath,
    [prismCli, 'proxy', prismSpecFile(), upstream, '--errors', '--host', '127.0.0.1', '--port', '0'],
    { env: { ...process.env, SCARF_ANALYTICS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = [];
  try {
    const [, origin] = await waitForLine(child, /Prism is listening on (http:\/\/\S+)/, 'Prism', log);
    return { baseURL: origin.replace(/\/$/, ''), log, stop: () => stop(child) };
  } catch (e) {
    await stop(child);
    throw e;
  }
}

/**
 * Starts Threadline on a free loopback port with its own data directory, and Prism in front of it if asked.
 * @param {{ args?: Record<string,string>, prism?: boolean }} options
 *   args: extra configuration (`--Key=Value`); prism: put the validating proxy in front (default: PRISM env).
 * @returns {Promise<{ baseURL: string, directURL: string, viaPrism: boolean, log: string[], stop: () => Promise<void> }>}
 */
function createDatabase() {
  const made = spawnSync('bash', [path.join(repoRoot, 'tests/postgres/cluster.sh'), 'createdb', process.env.THREADLINE_COMPAT_POSTGRES_DIR], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`cluster.sh createdb failed: ${made.stderr}`);
  return made.stdout.trim();
}

export async function startThreadline({ args = {}, prism = viaPrism } = {}) {
  if (!existsSync(serverDll)) {
    throw new Error(`${serverDll} is missing: build it first (dotnet build -c ${configuration} src/Threadline)`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'threadline-node-'));
  const argv = [serverDll, '--urls', 'http://127.0.0.1:0', `--Threadline:DataDirectory=${dataDir}`];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}=${v}`);
  // A PostgreSQL run (run.sh's v6-postgres): each server on a database of its own in the test cluster, as
  // the SQLite servers each have their own data directory (servers of other configurations would otherwise
  // claim each other's runs).
  if (process.env.THREADLINE_COMPAT_POSTGRES_DIR) argv.push('--Threadline:Storage:Provider=postgres', `--ConnectionStrings:Threadline=${createDatabase()}`);
  const env = { ...process.env, DOTNET_NOLOGO: '1' };
  delete env.OPENAI_API_KEY; // the server would take it as an upstream provider
  delete env.OPENAI_BASE_URL;
  const server = spawn('dotnet', argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let proxy;
  const cleanup = async () => {
    await proxy?.stop();
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, origin] = await waitForLine(server, /Now listening on: (http:\/\/\S+)/, 'Threadline', log);
    const directURL = `${origin}/v1`;
    if (prism) proxy = await startPrism(directURL);
    return { baseURL: proxy?.baseURL ?? directURL, directURL, viaPrism: !!prism, log, stop: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
