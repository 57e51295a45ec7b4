import t from 'tap';
import { DEFAULT_BACKLOG, parseMasterArgs, USAGE } from '../lib/cli';
import { UsageError } from '../lib/errors';

const DEFAULTS = {
  workers: 4, port: 3000, host: '127.0.0.1', backlog: 511, model: 'shared', transport: 'raw', headTimeoutMs: 10000,
  idleTimeoutMs: 5000, drainTimeoutMs: 10000, allowCrash: false, live: false, json: false, dashboard: null, printConfig: false,
};

t.test('defaults: the article\'s four workers on port 3000, loopback only, the raw transport', async (t) => {
  t.same(parseMasterArgs([]), DEFAULTS);
  t.equal(DEFAULT_BACKLOG, 511);
});

t.test('flags', async (t) => {
  t.same(parseMasterArgs(['--workers', '2', '--port', '0', '--host', '0.0.0.0', '--backlog', '0', '--transport', 'socket',
    '--head-timeout', '300', '--idle-timeout', '400', '--drain-timeout', '500', '--allow-crash', '--live', '--dashboard', '8080']),
  {
    ...DEFAULTS, workers: 2, port: 0, host: '0.0.0.0', backlog: 0, transport: 'socket', headTimeoutMs: 300, idleTimeoutMs: 400,
    drainTimeoutMs: 500, allowCrash: true, live: true, dashboard: 8080,
  });
  t.equal(parseMasterArgs(['--model', 'rr', '--print-config'])?.printConfig, true);
  t.equal(parseMasterArgs(['--model', 'rr-pipelined'])?.model, 'rr-pipelined');
  t.equal(parseMasterArgs(['--json'])?.json, true);
  t.equal(parseMasterArgs(['--dashboard', '0'])?.dashboard, 0);
  t.equal(parseMasterArgs(['--host', '::1'])?.host, '::1');
  t.equal(parseMasterArgs(['--help']), null);
  t.match(USAGE, /--backlog B/);
  t.match(USAGE, /--transport T/);
});

t.test('bad flags are one readable line', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--workers', '0'], /^--workers must be a whole number from 1 to 64, not '0'$/],
    [['--workers', '65'], /^--workers must be a whole number from 1 to 64, not '65'$/],
    [['--workers', '2.5'], /^--workers must be/],
    [['--port', '70000'], /^--port must be a whole number from 0 to 65535/],
    [['--port', '-1'], /port/],
    [['--drain-timeout', '0'], /^--drain-timeout must be a whole number from 1/],
    [['--head-timeout', '3600001'], /^--head-timeout must be a whole number from 1 to 3600000/],
    [['--dashboard', 'x'], /^--dashboard must be a whole number from 0 to 65535, not 'x'$/],
    [['--host', 'localhost'], /^--host must be an IP address, not 'localhost'$/],
    [['--model', 'magic'], /^--model must be one of shared, rr, rr-idle, rr-pipelined, reuseport, nginx, cluster-rr, cluster-none, not 'magic'$/],
    [['--transport', 'pigeon'], /^--transport must be one of raw, socket, not 'pigeon'$/],
    [['--live', '--json'], /^--live draws for people and --json writes for programs: pick one$/],
    [['--nope'], /Unknown option '--nope'/],
  ];
  for (const [argv, message] of cases) t.throws(() => parseMasterArgs(argv), { constructor: UsageError, message }, argv.join(' '));
});
