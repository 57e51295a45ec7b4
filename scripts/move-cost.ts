/**
 * scripts/move-cost.ts — `node dist/scripts/move-cost.js [--connections 2000] [--runs 3]`: what moving a
 * live connection costs in CPU, beside what a new connection costs through rr-pipelined.
 *
 * A move is measured as the extra CPU a rolling restart takes per connection it moves: one worker holds
 * N idle kept-alive connections, SIGHUP replaces it, and every connection moves to the new worker; the
 * same restart with no connection open is the baseline (the fork and start of a worker). CPU is utime +
 * stime of the master and every worker, from /proc, from just before SIGHUP until the new worker has
 * received every connection (cpuWindow: the old worker exits during it, and is read until it does).
 * A new connection through rr-pipelined is ab -n N -c 50, one worker, one connection per request: the
 * server's CPU per request. Rounds are interleaved; each figure is the median of its rounds.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { MASTER } from '../lib/os/paths';
import { cpuMicros, processTree } from '../lib/os/procfs';
import { median } from '../lib/report/stats';
import { abArgs, hasAb, parseAb } from '../tools/measure/ab';
import { startServer, type Server } from '../tools/measure/server';

/** How often the CPU of every process of the server is read: a worker that exits is seen up to this before. */
const SAMPLE_MS = 10;

/**
 * The CPU the server's processes use from now until stop(): each process of its tree, read every
 * SAMPLE_MS (a process that exits, the old worker of a restart, keeps its last reading), less what each
 * had used when the window opened (a process born in it started from nothing).
 */
function cpuWindow(server: Server): { stop(): { total: number; master: number } } {
  const first = new Map(server.processes().map((pid) => [pid, cpuMicros(pid)]));
  const last = new Map(first);
  const read = () => {
    for (const pid of server.processes()) last.set(pid, cpuMicros(pid));
  };
  const timer = setInterval(read, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      read();
      const used = (pid: number) => last.get(pid)! - (first.get(pid) ?? 0);
      return { total: [...last.keys()].reduce((sum, pid) => sum + used(pid), 0), master: used(server.pid) };
    },
  };
}

/** A restart of one worker holding `held` idle connections: µs of CPU, and how many moved. */
async function restartCpu(held: number): Promise<{ cpu: number; master: number; moves: number }> {
  let done: (() => void) | null = null;
  let dashboard = '';
  const server = await startServer(process.execPath, MASTER, ['--json', '--port', '0', '--workers', '1', '--idle-timeout', '600000', '--dashboard', '0'],
    (event) => {
      if (event.type === 'listening') dashboard = event.dashboard!;
      if (event.type === 'restart-done') done?.();
    });
  const sockets: net.Socket[] = [];
  for (let at = 0; at < held; at++) {
    sockets.push(await new Promise<net.Socket>((resolve) => { const socket = net.connect(server.port, '127.0.0.1', () => resolve(socket)); }));
  }
  // Every connection held by the worker, as it reports (every 100 ms while what it holds changes).
  while ((await (await fetch(new URL('/state', dashboard))).json() as { slots: Array<{ open: number }> }).slots[0]!.open < held) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const window = cpuWindow(server);
  process.kill(server.pid, 'SIGHUP');
  await finished;
  // The old worker is gone; the last of its connections may still be on their way to the new one.
  while ((await (await fetch(new URL('/state', dashboard))).json() as { slots: Array<{ received: number }> }).slots[0]!.received < held) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { total: cpu, master } = window.stop();
  sockets.forEach((socket) => socket.destroy());
  const report = await server.stop();
  return { cpu, master, moves: report?.moves ?? 0 };
}

/** rr-pipelined, one worker: ab's requests, a new connection each; µs of server CPU per request, and the master's part. */
async function newConnectionCpu(requests: number): Promise<{ cpu: number; master: number }> {
  const server = await startServer(process.execPath, MASTER, ['--json', '--port', '0', '--workers', '1', '--model', 'rr-pipelined']);
  const window = cpuWindow(server);
  const [command, ...args] = abArgs(`http://127.0.0.1:${server.port}/`, requests, 50, false);
  const output = await new Promise<string>((resolve) => {
    let text = '';
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk) => { text += chunk; });
    child.once('close', () => resolve(text));
  });
  const { total, master } = window.stop();
  await server.stop();
  const complete = parseAb(output).complete;
  return { cpu: total / complete, master: master / complete };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } } });
  const held = Number(values.connections);
  const runs = Number(values.runs);
  if (!hasAb()) throw new Error('ab is needed (apt-get install apache2-utils)');
  const perMove: number[] = [];
  const perConnection: number[] = [];
  for (let round = 1; round <= runs; round++) {
    const empty = await restartCpu(0);
    const full = await restartCpu(held);
    const move = (full.cpu - empty.cpu) / full.moves;
    const moveInMaster = (full.master - empty.master) / full.moves;
    const connection = await newConnectionCpu(20_000);
    perMove.push(move);
    perConnection.push(connection.cpu);
    console.log(`round ${round}: restart with 0 connections ${(empty.cpu / 1000).toFixed(1)} ms CPU, with ${held} ` +
      `${(full.cpu / 1000).toFixed(1)} ms (${full.moves} moved): ${move.toFixed(1)} µs per move (${moveInMaster.toFixed(1)} in the master); ` +
      `rr-pipelined ${connection.cpu.toFixed(1)} µs per new connection (${connection.master.toFixed(1)} in the master)`);
  }
  const move = median(perMove);
  const connection = median(perConnection);
  console.log(`median: ${move.toFixed(1)} µs of CPU per move, ${connection.toFixed(1)} µs per new connection through rr-pipelined ` +
    `(a move costs ${(move / connection).toFixed(2)} of a new connection)`);
}

main().catch((error: unknown) => {
  console.error(`move-cost: ${(error as Error).message}`);
  process.exit(1);
});
