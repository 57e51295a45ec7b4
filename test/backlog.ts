/**
 * The listen backlog. The article's `server.listen()` passes no backlog and Node's TCPWrap turns that
 * into listen(fd, 0): the kernel then queues a single connection (sk_acceptq_is_full() in
 * include/net/sock.h is `>`, not `>=`), drops the SYNs of the rest, and the clients retry after a
 * second (the initial RTO). The kit listens with 511 unless told otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { startMaster } from './helpers/master';

/** Send-Q of a listening socket is its backlog, as the kernel applied it (ss(8)). */
function listenBacklog(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
  return Number(line.split(/\s+/)[2]);
}

/** TcpExt ListenOverflows: SYNs dropped because an accept queue was full (/proc/net/netstat). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines.find((line) => line.startsWith('TcpExt:'))!.split(' ');
  const values = lines.filter((line) => line.startsWith('TcpExt:'))[1]!.split(' ');
  return Number(values[names.indexOf('ListenOverflows')]);
}

/**
 * Opens `count` connections at once and sends a request on each. Resolves with how many were served and
 * how many failed: under overflow some SYNs are retried by the client's kernel (late, not lost) and
 * some connections the client thinks are open are unknown to the server, which answers their data with
 * RST (with SYN cookies, tcp_syncookies=1, an ACK that finds the accept queue still full is dropped).
 */
async function burst(port: number, count: number): Promise<{ served: number; failed: number }> {
  const outcomes = await Promise.all(Array.from({ length: count }, () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString().endsWith('hello nodejs')));
    socket.on('error', () => resolve(false));
  })));
  const served = outcomes.filter(Boolean).length;
  return { served, failed: count - served };
}

const BURST = 300;

t.test('by default the kernel is asked for a backlog of 511, and a burst overflows nothing', async (t) => {
  const { port } = await startMaster(t);
  t.equal(listenBacklog(port), 511);
  const before = listenOverflows();
  const { served } = await burst(port, BURST);
  t.equal(listenOverflows() - before, 0, 'no SYN dropped');
  t.equal(served, BURST, 'every connection served');
});

t.test('--backlog 0, the article\'s listen(): the queue overflows and SYNs are dropped', async (t) => {
  const { port, master } = await startMaster(t, ['--backlog', '0', '--workers', '4']);
  t.equal(listenBacklog(port), 0);
  const before = listenOverflows();
  const started = Date.now();
  const { served, failed } = await burst(port, BURST);
  const overflows = listenOverflows() - before;
  t.ok(overflows > 0, `${overflows} accept-queue overflows (TcpExt ListenOverflows) for ${BURST} connects`);
  t.comment(`${served} served, ${failed} reset, in ${Date.now() - started} ms: dropped SYNs are retried after 1 s`);
  const report = await master.stop();
  const accepted = [...report.connections.values()].reduce((sum, count) => sum + count, 0);
  t.ok(accepted >= served && accepted <= BURST, `workers accepted ${accepted}: every served connection, and no phantom`);
});
