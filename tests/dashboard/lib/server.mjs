// Starts the real Threadline server (dotnet Threadline.dll, as built) on a free loopback port with a data
// directory of its own, and stops it. Like tests/compat/node/lib/server.mjs, without the Prism proxy.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stop, waitForLine } from '../../lib/process.mjs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
const configuration = process.env.CONFIGURATION ?? 'Release';
export const serverDll = path.join(repoRoot, 'src/Threadline/bin', configuration, 'net10.0/Threadline.dll');

/** The keys every test server has: a project's API key (it does not open the dashboard) and an admin key. */
export const API_KEY = 'sk-dash-user-0123456789';
export const ADMIN_KEY = 'admin-dash-0123456789abcdef';

/**
 * The configuration of the test servers: auth on (an API key and an admin key), webhooks allowed to a
 * receiver on 127.0.0.1, and one quick retry so that a failing delivery reaches `failed` within a second.
 */
export const DEFAULT_ARGS = {
  'Threadline:ApiKeys:0:Key': API_KEY,
  'Threadline:AdminKeys:0': ADMIN_KEY,
  'Threadline:Webhooks:AllowedHosts:0': '127.0.0.1',
  'Threadline:Webhooks:RetrySchedule:0': '00:00:00.200',
  'Threadline:Webhooks:Timeout': '00:00:05',
};

/**
 * @param {{ args?: Record<string,string>, dataDir?: string }} options extra configuration (`--Key=Value`), on
 *   top of DEFAULT_ARGS (a value of null leaves a default key out)
 * @returns {Promise<{ origin: string, baseURL: string, log: string[], stop: () => Promise<void> }>}
 */
export async function startThreadline({ args = {} } = {}) {
  if (!existsSync(serverDll)) throw new Error(`${serverDll} is missing: build it first (dotnet build -c ${configuration} src/Threadline)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'threadline-dash-'));
  const argv = [serverDll, '--urls', 'http://127.0.0.1:0', `--Threadline:DataDirectory=${dataDir}`];
  for (const [k, v] of Object.entries({ ...DEFAULT_ARGS, ...args })) if (v !== null && v !== undefined) argv.push(`--${k}=${v}`);
  const env = { ...process.env, DOTNET_NOLOGO: '1' };
  delete env.OPENAI_API_KEY; // the server would take it as an upstream provider
  delete env.OPENAI_BASE_URL;
  const child = spawn('dotnet', argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const cleanup = async () => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, origin] = await waitForLine(child, /Now listening on: (http:\/\/\S+)/, 'Threadline', log);
    return { origin, baseURL: `${origin}/v1`, log, stop: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
