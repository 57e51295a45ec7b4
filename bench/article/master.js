// The article's master ("当我们谈论 cluster 时我们在谈论什么(上)"), as a benchmark baseline: bind a TCP handle
// without listening, fork the workers, send each one the handle. Plain JavaScript on purpose, as the
// article wrote it; the kit's own master goes through lib/binding.ts. Changes, each for the benchmark:
// the article's typos fixed (`require('next')`, `for('./worker')`), 127.0.0.1 and the port and worker
// count from the command line, and one JSON `listening` line (the kit's event, lib/events.ts) so the
// benchmark finds the port and the processes. SIGINT stops it.
//   node bench/article/master.js [--workers 4] [--port 3000]
const net = require('net');
const fork = require('child_process').fork;
const { parseArgs } = require('util');

const { values } = parseArgs({ options: { workers: { type: 'string', default: '4' }, port: { type: 'string', default: '3000' } } });
var handle = net._createServerHandle('127.0.0.1', Number(values.port), 4);
var address = {};
handle.getsockname(address);

var workers = [];
for (var i = 0; i < Number(values.workers); i++) {
  var worker = fork(__dirname + '/worker.js');
  worker.send({}, handle);
  workers.push(worker);
}

var ready = 0;
workers.forEach(function (worker) {
  worker.once('message', function () {
    if (++ready < workers.length) return;
    console.log(JSON.stringify({
      type: 'listening', url: 'http://127.0.0.1:' + address.port + '/', model: 'article', transport: 'socket', backlog: 511,
      pids: workers.map(function (each) { return each.pid; }), masterPid: process.pid,
      readyMs: Math.round(process.uptime() * 1000), node: process.version, dashboard: null,
    }));
  });
});

process.on('SIGINT', function () {
  workers.forEach(function (each) { each.disconnect(); });
  process.exit(0);
});
