import t from 'tap';
import { DEFAULT_BACKLOG, parseMasterArgs, UsageError, USAGE } from '../lib/cli';

t.test('defaults: the article\'s four workers on port 3000, loopback only', async (t) => {
  t.same(parseMasterArgs([]), {
    workers: 4, port: 3000, host: '127.0.0.1', backlog: 511, model: 'shared', headTimeoutMs: 10000, idleTimeoutMs: 5000,
    drainTimeoutMs: 10000, allowCrash: false, live: false, printConfig: false,
  });
  t.equal(DEFAULT_BACKLOG, 511);
});

t.test('flags', async (t) => {
  t.same(parseMasterArgs(['--workers', '2', '--port', '0', '--host', '0.0.0.0', '--backlog', '0',
    '--head-timeout', '300', '--idle-timeout', '400', '--drain-timeout', '500', '--allow-crash', '--live']),
  {
    workers: 2, port: 0, host: '0.0.0.0', backlog: 0, model: 'shared', headTimeoutMs: 300, idleTimeoutMs: 400,
    drainTimeoutMs: 500, allowCrash: true, live: true, printConfig: false,
  });
  t.equal(parseMasterArgs(['--model', 'rr', '--print-config'])?.printConfig, true);
  t.equal(parseMasterArgs(['--model', 'cluster-none'])?.model, 'cluster-none');
  t.equal(parseMasterArgs(['--host', '::1'])?.host, '::1');
  t.equal(parseMasterArgs(['--help']), null);
  t.match(USAGE, /--backlog B/);
});

t.test('bad flags are one readable line', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--workers', '0'], /^--workers must be a whole number from 1 to 64, not '0'$/],
    [['--workers', '2.5'], /^--workers must be/],
    [['--port', '70000'], /^--port must be a whole number from 0 to 65535/],
    [['--port', '-1'], /port/],
    [['--drain-timeout', '0'], /^--drain-timeout must be a whole number from 1/],
    [['--host', 'localhost'], /^--host must be an IP address, not 'localhost'$/],
    [['--model', 'magic'], /^--model must be one of shared, rr, rr-idle, reuseport, nginx, cluster-rr, cluster-none, not 'magic'$/],
    [['--nope'], /Unknown option '--nope'/],
  ];
  for (const [argv, message] of cases) t.throws(() => parseMasterArgs(argv), { constructor: UsageError, message }, argv.join(' '));
});
