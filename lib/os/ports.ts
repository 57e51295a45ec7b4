/**
 * lib/os/ports.ts — finding free ports, for the models whose master binds nothing itself.
 *
 * With `--port 0` the shared and rr models let the kernel pick (bind() to port 0) and keep that socket.
 * The reuseport, nginx and cluster models bind in other processes, each of which would get its own
 * random port, so the master finds a free block first and passes the number on.
 *
 * The block is chosen *below* the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999
 * by default). Every outgoing connect() and every bind() to port 0 takes its local port from that range,
 * so a block inside it can be taken between our check and nginx's listen() by any client on the box (a
 * load generator's client port, say). Below the range only another program that binds that exact number
 * can race us.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 10000;

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The first port of `count` consecutive free ports: `port` itself unless it is 0. */
export async function freePorts(host: string, port: number, count: number): Promise<number> {
  if (port !== 0) return port;
  const span = ephemeralLow() - count - LOWEST;
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = LOWEST + Math.floor(Math.random() * span);
    const free = await Promise.all(Array.from({ length: count }, (_, offset) => isFree(host, first + offset)));
    if (free.every(Boolean)) return first;
  }
  throw new Error(`found no ${count} consecutive free ports on ${host}`);
}
