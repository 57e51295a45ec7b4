import { spawnSync } from 'node:child_process';
import t from 'tap';
import { abArgs, hasAb, parseAb } from '../lib/measure/ab';

const AB_OUTPUT = `Concurrency Level:      100
Complete requests:      10000
Failed requests:        3
   (Connect: 0, Receive: 0, Length: 3, Exceptions: 0)
Non-2xx responses:      2
Requests per second:    5927.62 [#/sec] (mean)
Percentage of the requests served within a certain time (ms)
  50%     16
  99%     44
 100%     61 (longest request)
`;

t.test('ab: the command, and its summary read back', async (t) => {
  t.same(abArgs('http://127.0.0.1:1/', 10, 2, true), ['ab', '-q', '-s', '10', '-n', '10', '-c', '2', '-k', 'http://127.0.0.1:1/']);
  t.same(abArgs('u', 1, 1, false).includes('-k'), false);
  t.equal(hasAb(), spawnSync('sh', ['-c', 'command -v ab']).status === 0, 'ab is found exactly when it is on PATH');
  t.same(parseAb(AB_OUTPUT), { complete: 10000, failed: 5, requestsPerSecond: 5927.62, p99Ms: 44 });
  t.same(parseAb('apr_socket_recv: Connection reset by peer (104)'), { complete: 0, failed: 0, requestsPerSecond: 0, p99Ms: NaN });
});
