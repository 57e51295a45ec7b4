// Coverage policy of the unit lane alone (`npm run test:unit`; notes/testing.md, Coverage).
//
// The unit lane answers for the state machines it tests with fakes: the HTTP parser, one connection's
// rules, the responder and both transports, the channel's messages, the models, the supervisor and its
// moves, the worker's connections, the report's arithmetic, and the tools it checks (the architecture
// check, the fuzzer). It loads other modules too (pipes, /proc, spawning) whose code only processes
// run; those are measured by the whole suite (coverage-map.mjs), whose gate is the same.
const UNIT = [
  'lib/http/*.ts', 'lib/channel/messages.ts', 'lib/channel/control.ts', 'lib/models/*.ts',
  'lib/supervisor/{supervisor,worker-process,drain,rolling-restart,restart-policy,mover,rebalancer}.ts',
  'lib/worker/connections.ts', 'lib/worker/settings.ts', 'lib/report/*.ts', 'lib/events.ts', 'lib/master/cli.ts',
  'tools/check/*.ts', 'tools/fuzz/*.ts',
];
export default () => UNIT;
