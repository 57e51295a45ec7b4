/**
 * Real clients, as users run them: ab with and without keep-alive, curl, wrk. .ci/run installs them.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { startMaster } from '../helpers/master';
import { BODY } from '../../lib/http/responses';

const run = promisify(execFile);

/** false, or why the test is skipped. */
function missing(tool: string, install: string): false | string {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0 ? false : `${tool} is not installed (${install})`;
}
const AB = { skip: missing('ab', 'apt-get install apache2-utils') };

/** ab's "Label:   value" lines. */
function abField(output: string, label: string): string {
  return new RegExp(`^${label}:\\s+(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '';
}

t.test('ab without -k: one connection per request, every one counted', AB, async (t) => {
  const { master, port } = await startMaster(t);
  const { stdout } = await run('ab', ['-q', '-n', '2000', '-c', '50', `http://127.0.0.1:${port}/`]);
  t.equal(abField(stdout, 'Complete requests'), '2000');
  t.equal(abField(stdout, 'Failed requests'), '0');
  t.equal(abField(stdout, 'Document Length'), '12 bytes');
  t.equal(abField(stdout, 'Non-2xx responses'), '', 'no Non-2xx line');
  const report = (await master.stop()).report!;
  // ab may open a few connections beyond -n at the end of a run (up to -c); they are accepted and counted too.
  t.ok(report.connections >= 2000 && report.connections <= 2050, `workers accepted ${report.connections} connections for 2000 requests`);
  t.equal(report.requests, 2000, 'exactly 2000 requests');
});

t.test('ab -k: HTTP/1.0 keep-alive, many requests per connection', AB, async (t) => {
  const { master, port } = await startMaster(t);
  const { stdout } = await run('ab', ['-q', '-k', '-n', '2000', '-c', '10', `http://127.0.0.1:${port}/`]);
  t.equal(abField(stdout, 'Complete requests'), '2000');
  t.equal(abField(stdout, 'Failed requests'), '0');
  t.equal(abField(stdout, 'Keep-Alive requests'), '2000');
  const report = (await master.stop()).report!;
  t.ok(report.connections >= 10 && report.connections <= 20, `${report.connections} connections carried 2000 requests`);
  t.equal(report.requests, 2000);
});

t.test('curl', { skip: missing('curl', 'apt-get install curl') }, async (t) => {
  const { port } = await startMaster(t, ['--workers', '1']);
  const { stdout } = await run('curl', ['-sS', '-i', `http://127.0.0.1:${port}/`]);
  t.equal(stdout, `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-slot: 0\r\nkeep-alive: timeout=5\r\n\r\n${BODY}`);
  const head = await run('curl', ['-sS', '-I', `http://127.0.0.1:${port}/`]);
  t.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 12\r\n/);
});

t.test('wrk: HTTP/1.1 keep-alive under load', { skip: missing('wrk', 'apt-get install wrk') }, async (t) => {
  const { port } = await startMaster(t, ['--workers', '2']);
  const { stdout } = await run('wrk', ['-t1', '-c20', '-d1s', `http://127.0.0.1:${port}/`]);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  t.ok(requests > 100, `${requests} requests in 1 s`);
  t.notMatch(stdout, /Non-2xx|Socket errors/, 'no errors and no bad statuses');
});
