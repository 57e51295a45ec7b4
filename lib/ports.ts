/**
 * lib/ports.ts — finding free ports, for the models whose master binds nothing itself.
 *
 * With `--port 0` the shared and rr models let the kernel pick (bind() to port 0) and keep that socket.
 * The reuseport, nginx and cluster models bind in other processes, each of which would get its own
 * random port, so the master asks the kernel for a free one first and passes the number on. Between the
 * check and the use another program could take it; that race is the price of port 0, and it only
 * matters to tests and demos that ask for port 0.
 */
import net from 'node:net';

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function kernelPick(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The first port of `count` consecutive free ports: `port` itself unless it is 0. */
export async function freePorts(host: string, port: number, count: number): Promise<number> {
  if (port !== 0) return port;
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await kernelPick(host);
    if (first + count > 65536) continue;
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, offset) => isFree(host, first + 1 + offset)));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`found no ${count} consecutive free ports on ${host}`);
}
