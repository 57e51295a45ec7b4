// Runs inside a network namespace of its own (test/backlog.ts starts it with `unshare -n`), so the
// kernel's TCP counters it reads are this test's alone, whatever other test files do meanwhile.
//   node burst-in-netns.js <master.js> <connections> [master flags...]
// Starts the master, opens <connections> connections at once and sends a request on each, stops the
// master, and prints one JSON line: the listen backlog ss reports, the accept-queue overflows
// (TcpExt ListenOverflows, /proc/net/netstat of this namespace), how many were served and failed, and
// the connections the workers accepted.
const { execFileSync, spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const net = require('node:net');
const { createInterface } = require('node:readline');

const [masterPath, count, ...flags] = process.argv.slice(2);

function listenOverflows() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0].split(' ');
  return Number(lines[1].split(' ')[names.indexOf('ListenOverflows')]);
}

function burst(port, total, onConnect) {
  return Promise.all(Array.from({ length: total }, () => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      onConnect();
      socket.end('GET / HTTP/1.0\r\n\r\n');
    });
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString().endsWith('hello nodejs')));
    socket.on('error', () => resolve(false));
  })));
}

const master = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', process.execPath, masterPath, '--json', '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
const events = [];
createInterface({ input: master.stdout }).on('line', async (line) => {
  const event = JSON.parse(line);
  events.push(event);
  if (event.type !== 'listening') return;
  const port = Number(new URL(event.url).port);
  const backlog = Number(execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split(/\s+/)[2]);
  // The workers are stopped while the SYNs arrive, so the queue alone decides who gets in: without
  // this, workers that accept as fast as the client connects overflow nothing even at backlog 0.
  for (const pid of event.pids) process.kill(pid, 'SIGSTOP');
  const before = listenOverflows();
  const started = Date.now();
  let connected = 0;
  const outcomes = burst(port, Number(count), () => connected++);
  // Every SYN has had its answer once each connection is established (in the queue) or counted as an
  // overflow; a dropped SYN is retried only after the initial RTO, a second.
  const limit = Date.now() + 900;
  while (connected + listenOverflows() - before < Number(count) && Date.now() < limit) await new Promise((resolve) => setTimeout(resolve, 10));
  const overflows = listenOverflows() - before;
  for (const pid of event.pids) process.kill(pid, 'SIGCONT');
  const results = await outcomes;
  const ms = Date.now() - started;
  master.kill('SIGINT');
  master.once('exit', (code) => {
    const report = events.find((each) => each.type === 'report');
    const served = results.filter(Boolean).length;
    console.log(JSON.stringify({ backlog, overflows, served, failed: results.length - served, ms, code, accepted: report ? report.connections : null }));
  });
});
