// Endpoint of the Gureum server under test. With GUREUM_ENDPOINT set, that server is used as is;
// otherwise a private in-memory server is started from the repository's Release build on a free
// port and stopped when the test file ends.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SERVER_DLL = path.join(REPO_ROOT, 'src/Gureum.Server/bin/Release/net10.0/gureum.dll');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(endpoint, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`gureum exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/_gureum/health`);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gureum at ${endpoint} not healthy after ${timeoutMs} ms (${last})`);
}

/** Returns { endpoint, stop() }. */
export async function startServer() {
  if (process.env.GUREUM_ENDPOINT) {
    const endpoint = process.env.GUREUM_ENDPOINT.replace(/\/+$/, '');
    await waitHealthy(endpoint, null, 30_000);
    return { endpoint, stop: async () => {} };
  }
  if (!existsSync(SERVER_DLL)) {
    throw new Error(`${SERVER_DLL} not found: run 'dotnet build src/Gureum.Server -c Release' in ${REPO_ROOT} first, or set GUREUM_ENDPOINT`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('dotnet', [SERVER_DLL, 'start', '--in-memory', '--port', String(port), '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  try {
    await waitHealthy(endpoint, child, 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${stderr}`);
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
  return { endpoint, stop };
}

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const REGION = 'us-east-1';
