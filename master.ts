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
 * What it says is a stream of events (lib/events.ts): sentences for people, or with --json one JSON
 * object per line for programs. Read on in worker.ts, then lib/models/shared.ts and lib/binding.ts.
 */
import path from 'node:path';
import { assertInternals } from './lib/binding';
import { parseMasterArgs, USAGE, type MasterOptions } from './lib/cli';
import { Dashboard } from './lib/dashboard/server';
import { HandoffError, MissingProgramError, UsageError } from './lib/errors';
import { describeEvent, formatEvent, type MasterEvent } from './lib/events';
import { workerArgv } from './lib/ipc';
import { createModel } from './lib/models';
import { nginxConfig } from './lib/models/nginx';
import { CLEAR_SCREEN, FRAME_INTERVAL_MS, LiveView } from './lib/report/live';
import { buildReport, formatReport, slotCounts } from './lib/report/report';
import { Supervisor } from './lib/supervisor';

/** While the live view owns the screen, log lines go into its frame instead of scrolling it away. */
let liveLog: string[] | null = null;

function log(line: string): void {
  const text = `handoff: ${line}`;
  if (!liveLog) return void process.stderr.write(`${text}\n`);
  liveLog.push(text);
  liveLog.splice(0, liveLog.length - 3);
}

/** Every event, as a JSON line (--json), or as people read it: listening and the report on stdout, the rest on stderr. */
function output(json: boolean): (event: MasterEvent) => void {
  if (json) return (event) => void process.stdout.write(`${formatEvent(event)}\n`);
  return (event) => {
    if (event.type === 'listening') {
      const workers = event.pids.length;
      console.log(`handoff: ${workers} workers listening on ${event.url} (model ${event.model}, transport ${event.transport}, ` +
        `backlog ${event.backlog}), ready ${event.readyMs} ms after start`);
      console.log(`handoff: worker pids ${event.pids.join(' ')} (x-slot 0..${workers - 1}); ` +
        `Ctrl-C prints the counts, kill -HUP ${event.masterPid} restarts them one by one`);
      if (event.dashboard) console.log(`handoff: dashboard at ${event.dashboard}`);
    } else if (event.type === 'report') {
      console.log(formatReport(event));
    } else if (event.type !== 'worker-exited' || event.restartInMs !== null) {
      // A worker that exits because it was told to is no news to a person.
      log(describeEvent(event));
    }
  };
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
  const print = output(options.json);
  const dashboard = options.dashboard === null ? null : new Dashboard(options.dashboard);
  const emit = (event: MasterEvent) => {
    print(event);
    dashboard?.onEvent(event);
  };
  const modelSettings = { ...options, warn: (message: string) => emit({ type: 'warning', message }) };
  if (options.printConfig) {
    if (options.model !== 'nginx') log('--print-config shows the nginx model\'s config; add --model nginx');
    return void process.stdout.write(nginxConfig(modelSettings, options.port, '<temporary directory>'));
  }

  const model = createModel(options.model, modelSettings);
  const supervisor = new Supervisor({
    workers: options.workers,
    workerPath: path.join(__dirname, 'worker.js'),
    workerArgv: (slot) => workerArgv({
      slot, masterPid: process.pid, headTimeoutMs: options.headTimeoutMs, idleTimeoutMs: options.idleTimeoutMs,
      transport: options.transport, allowCrash: options.allowCrash,
    }),
    model,
    drainTimeoutMs: options.drainTimeoutMs,
    emit,
  });
  const report = () => buildReport(options.model, options.transport, supervisor.counts());

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
    emit({ type: 'stopping', signal, ready });
    if (!ready) {
      await supervisor.killAll();
      await model.close();
      await dashboard?.close();
      process.exit(1);
    }
    await model.stopAccepting?.();
    await supervisor.stop();
    await model.close();
    emit(report());
    await dashboard?.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    if (ready && !stopping) void supervisor.restart();
  });

  let dashboardUrl: string | null = null;
  try {
    assertInternals();
    if (dashboard) dashboardUrl = `http://127.0.0.1:${await dashboard.listen(report)}/`;
    await model.start();
    await supervisor.start();
  } catch (error) {
    if (!(error instanceof HandoffError)) throw error;
    const message = error instanceof MissingProgramError ? error.neededBy(`--model ${options.model}`) : error.message;
    emit({ type: 'error', code: error.code, message });
    await supervisor.killAll();
    await model.close();
    await dashboard?.close();
    process.exit(1);
  }
  ready = true;

  const { host, port } = model.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  emit({
    type: 'listening', url, model: options.model, transport: options.transport, backlog: options.backlog,
    pids: supervisor.pids(), masterPid: process.pid, readyMs: Math.round(process.uptime() * 1000), node: process.version,
    dashboard: dashboardUrl,
  });
  if (options.live) {
    const view = new LiveView(`handoff --live: ${options.model}, ${url}  (Ctrl-C: stop and print the report)`);
    liveLog = [];
    liveTimer = setInterval(() => {
      const slots = slotCounts(supervisor.counts()).map((slot) => ({ slot: slot.slot, pid: slot.pids.at(-1)!, connections: slot.connections }));
      process.stdout.write(CLEAR_SCREEN + view.frame(Date.now(), slots, liveLog ?? []));
    }, FRAME_INTERVAL_MS);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
