/**
 * master.ts — the story from the master's side.
 *
 * Start here. The article's master is five lines: bind a TCP handle without listening, fork four
 * workers, send each one the handle. This one does the same, through a model (lib/models/: which
 * process accepts, and how a connection reaches a worker) and a supervisor (lib/supervisor.ts: fork,
 * replace, stop). When it is told to stop it lets every worker finish its requests, takes each one's
 * count of the connections it accepted and prints the article's lines, then how even the split was.
 *
 *   node master.js                      # 4 workers sharing 127.0.0.1:3000
 *   ab -n10000 -c100 http://127.0.0.1:3000/
 *   ^C                                  # worker <pid> got <n> connections ...
 *   kill -HUP <master pid>              # rolling restart: new workers, no connection lost
 *
 * Read on in worker.ts, then lib/models/shared.ts and lib/binding.ts.
 */
import path from 'node:path';
import { assertInternals, HandleError, MissingInternalError } from './lib/binding';
import { parseMasterArgs, USAGE, UsageError, type MasterOptions } from './lib/cli';
import { workerArgv } from './lib/ipc';
import { createModel } from './lib/models';
import { ModelUnavailableError } from './lib/models/model';
import { nginxConfig } from './lib/models/nginx';
import { CLEAR_SCREEN, FRAME_INTERVAL_MS, LiveView } from './lib/live';
import { formatReport, slotTotals } from './lib/report';
import { Supervisor, WorkersNotReadyError } from './lib/supervisor';

/** While the live view owns the screen, log lines go into its frame instead of scrolling it away. */
let liveLog: string[] | null = null;

function log(line: string): void {
  const text = `handoff: ${line}`;
  if (!liveLog) return void process.stderr.write(`${text}\n`);
  liveLog.push(text);
  liveLog.splice(0, liveLog.length - 3);
}

/** One readable line for the errors a user can cause or fix; anything else is a bug and keeps its stack. */
function describeStartError(error: unknown, options: MasterOptions): string | null {
  if (error instanceof HandleError) {
    const where = `port ${error.port ?? options.port} on ${options.host}`;
    if (error.code === 'EADDRINUSE') return `${where} is already in use`;
    if (error.code === 'EACCES') return `${where} needs privileges (ports below 1024 do)`;
    if (error.code === 'EADDRNOTAVAIL') return `${options.host} is not an address of this machine`;
    return `cannot listen on ${where}: ${error.message}`;
  }
  if (error instanceof MissingInternalError || error instanceof ModelUnavailableError ||
    error instanceof WorkersNotReadyError) return error.message;
  return null;
}

async function main(): Promise<void> {
  let options: MasterOptions | null;
  try {
    options = parseMasterArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (!options) return void console.log(USAGE);
  if (options.live && !process.stdout.isTTY) {
    log('--live redraws a terminal, and stdout is not one; run without --live (Ctrl-C still prints the counts)');
    process.exit(2);
  }

  const modelSettings = { ...options, log };
  if (options.printConfig) {
    if (options.model !== 'nginx') log('--print-config shows the nginx model\'s config; add --model nginx');
    return void process.stdout.write(nginxConfig(modelSettings, options.port, '<temporary directory>'));
  }
  const model = createModel(options.model, modelSettings);
  const supervisor = new Supervisor({
    workers: options.workers,
    workerPath: path.join(__dirname, 'worker.js'),
    workerArgv: (index) => workerArgv({
      index, masterPid: process.pid, headTimeoutMs: options.headTimeoutMs, idleTimeoutMs: options.idleTimeoutMs,
      allowCrash: options.allowCrash,
    }),
    model,
    drainTimeoutMs: options.drainTimeoutMs,
    log,
  });

  // Ctrl-C reaches the workers too (the terminal signals its whole foreground process group); they
  // ignore it and wait for the master to drain them. Graceful: the model stops taking connections (rr
  // closes its listening socket, nginx finishes its proxied requests), every worker finishes the
  // requests it has started within --drain-timeout, reports and exits; then the report.
  let ready = false;
  let stopping = false;
  let liveTimer: NodeJS.Timeout | null = null;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (liveTimer) clearInterval(liveTimer);
    liveLog = null;
    if (!ready) {
      log(`${signal} before every worker was ready; stopping them`);
      await supervisor.killAll();
      await model.close();
      process.exit(1);
    }
    await model.stopAccepting?.();
    const tallies = await supervisor.stop();
    await model.close();
    console.log(formatReport(tallies));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    if (!ready || stopping) return;
    log('SIGHUP: rolling restart, one worker at a time');
    void supervisor.restart().then((done) => {
      if (done) log(`rolling restart done; worker pids ${supervisor.pids().join(' ')}`);
    });
  });

  try {
    assertInternals();
    await model.start();
    await supervisor.start();
  } catch (error) {
    const line = describeStartError(error, options);
    if (line === null) throw error;
    log(line);
    await supervisor.killAll();
    await model.close();
    process.exit(1);
  }
  ready = true;

  const { host, port } = model.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  console.log(`handoff: ${options.workers} workers listening on ${url} ` +
    `(model ${options.model}, backlog ${options.backlog}), ready ${Math.round(process.uptime() * 1000)} ms after start`);
  console.log(`handoff: worker pids ${supervisor.pids().join(' ')} (x-worker 0..${options.workers - 1}); ` +
    `Ctrl-C prints the counts, kill -HUP ${process.pid} restarts them one by one`);
  if (options.live) {
    const view = new LiveView(`handoff --live: ${options.model}, ${url}  (Ctrl-C: stop and print the report)`);
    liveLog = [];
    liveTimer = setInterval(() => {
      process.stdout.write(CLEAR_SCREEN + view.frame(Date.now(), slotTotals(supervisor.tallies()), liveLog ?? []));
    }, FRAME_INTERVAL_MS);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
