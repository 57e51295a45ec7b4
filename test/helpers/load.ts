/**
 * The tests' load: N requests on new connections (no keep-alive) to 127.0.0.1:port, C at a time,
 * from undici (tools/measure/load.ts), with every failure counted (a bad status too).
 */
import { runLoad, type LoadRun } from '../../tools/measure/load';

export function load(port: number, requests: number, concurrency: number): Promise<LoadRun> {
  return runLoad({ url: new URL(`http://127.0.0.1:${port}/`), requests, concurrency, keepAlive: false });
}
