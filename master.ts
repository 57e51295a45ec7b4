/**
 * master.ts — the story from the master's side.
 *
 * Start here. The article's master is five lines: bind a TCP handle without listening, fork four
 * workers, send each one the handle. This one does the same, through a model (lib/models/: which
 * process accepts, and how a connection reaches a worker) and a supervisor (lib/supervisor/: fork,
 * replace, stop); lib/master/lifecycle.ts puts them together. When it is told to stop it lets every
 * worker finish its requests, takes each one's count of the connections it accepted and prints the
 * article's lines, then how even the split was.
 *
 *     node master.js                      # 4 workers sharing 127.0.0.1:3000
 *     ab -n10000 -c100 http://127.0.0.1:3000/
 *     ^C                                  # worker <pid> got <n> connections ...
 *     kill -HUP <master pid>              # rolling restart: new workers, no connection lost
 *
 * What it says is a stream of events (lib/events.ts): sentences for people, or with --json one JSON
 * object per line for programs (lib/master/output.ts). Read on in worker.ts, then lib/models/shared.ts
 * and lib/binding/.
 */
import { UsageError } from './lib/errors';
import { parseMasterArgs, USAGE, type MasterOptions } from './lib/master/cli';
import { Master } from './lib/master/lifecycle';
import { Output } from './lib/master/output';
import { programConfig } from './lib/models';

/** The flags, checked; null once --help or --print-config has been answered. Bad flags exit with code 2. */
function flags(output: Output): MasterOptions | null {
  let options: MasterOptions | null;
  try {
    options = parseMasterArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.log(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (!options) {
    console.log(USAGE);
    return null;
  }
  if (options.live && !process.stdout.isTTY) {
    output.log('--live redraws a terminal, and stdout is not one; run without --live (Ctrl-C still prints the counts)');
    process.exit(2);
  }
  if (options.printConfig) {
    const config = programConfig(options.model, { ...options, warn: () => {} });
    if (config === null) output.log(`--print-config shows the config of a model that runs a program; --model ${options.model} runs none (try --model nginx)`);
    else process.stdout.write(config);
    return null;
  }
  return options;
}

async function main(): Promise<void> {
  const options = flags(new Output(false));
  if (!options) return;
  const master = new Master(options, new Output(options.json));
  const stop = (signal: NodeJS.Signals) => void master.stop(signal).then((code) => code === null || process.exit(code));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => master.restart());
  if (!(await master.start())) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
