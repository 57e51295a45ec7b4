/**
 * lib/http/transports.ts — the two transports by name, as `--transport` spells them.
 */
import type { ClientHandle } from '../binding/internals';
import { socketFromClientHandle } from '../binding/channel';
import { UsageError } from '../errors';
import { RawTransport } from './raw-transport';
import { SocketTransport } from './socket-transport';
import type { Transport } from './transport';

export const transportNames = ['raw', 'socket'] as const;
export type TransportName = (typeof transportNames)[number];

/** The transport `text` names; a UsageError in one line otherwise (`flag` says who asked). */
export function parseTransport(text: string, flag = '--transport'): TransportName {
  if (!(transportNames as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} must be one of ${transportNames.join(', ')}, not '${text}'`);
  }
  return text as TransportName;
}

/** A connection's transport: its handle's own stream methods, or a net.Socket around the handle. */
export function openTransport(name: TransportName, clientHandle: ClientHandle): Transport {
  return name === 'raw' ? new RawTransport(clientHandle) : new SocketTransport(socketFromClientHandle(clientHandle));
}
