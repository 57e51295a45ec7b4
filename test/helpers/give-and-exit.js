// Spawned by test/process/moves.ts on the far end of a handle pipe (fd 4): writes `count` lines, each
// with a TCP handle, and exits the moment the last has gone, as a retiring worker does.
const { openHandlePipe, writeText } = require('../../dist/lib/binding/pipe');
const { bindServerHandle } = require('../../dist/lib/binding/tcp');

const count = Number(process.argv[2]);
const pipe = openHandlePipe(4);
const handle = bindServerHandle('127.0.0.1', 0);
let written = 0;
for (let line = 0; line < count; line++) writeText(pipe, `${line}\n`, handle, () => ++written === count && process.exit(0));
