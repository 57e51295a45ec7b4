// The article's worker, as a benchmark baseline: listen on the handle the master sent, wrap each client
// handle in a net.Socket and end it with a hand-written response. Changes, each for the benchmark: the
// backlog is 511 (the article's listen() asks for 0, and stalls under ab -c100: NOTES.md), the
// per-connection console.log is gone (a write to the terminal per connection would be what we measure),
// and the worker says `listening` to its master and exits with it.
const net = require('net');
process.on('message', function (m, handle) {
  start(handle);
});

var buf = 'hello nodejs';
var res = ['HTTP/1.1 200 OK', 'content-length:' + buf.length].join('\r\n') + '\r\n\r\n' + buf;

function start(server) {
  server.listen(511);
  server.onconnection = function (err, handle) {
    var socket = new net.Socket({
      handle: handle
    });
    socket.readable = socket.writable = true;
    socket.end(res);
  };
  process.send('listening');
}

process.on('disconnect', function () { process.exit(0); });
process.on('SIGINT', function () {});
