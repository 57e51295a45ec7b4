/**
 * Moving live connections, both sides, with fakes: the worker's Connections (what it counts, which
 * connections leave, which order each answers), the master's Mover (the receiver it picks, the copy it
 * holds until `taken`, what a receiver's death or a failed send does), and the rebalancer's plan as the
 * pure function it is. One connection's own rules (when it may leave, what it carries) are in
 * responder.ts beside this.
 */
import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import type { ClientHandle } from '../../lib/binding/internals';
import type { Moved, OrderBody, Report } from '../../lib/channel/messages';
import type { MasterEvent } from '../../lib/events';
import { Mover } from '../../lib/supervisor/mover';
import { planGives, REBALANCE_INTERVAL_MS, Rebalancer } from '../../lib/supervisor/rebalancer';
import { Connections } from '../../lib/worker/connections';
import { WorkerProcess } from '../../lib/supervisor/worker-process';
import { FakeChild } from '../helpers/fake-child';
import { clientHandle, nameOf, type FakeHandle } from '../helpers/fakes';
import { FakeTransport } from '../helpers/fake-transport';
import { EVENT_MS, until } from '../helpers/wait';

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const SETTINGS = { slot: 3, masterPid: 1, headTimeoutMs: 1000, idleTimeoutMs: 60_000, transport: 'raw' as const, allowCrash: false };
const moved = (from = 0): Moved => ({ bytes: '', deadline: Date.now() + 60_000, headStartedAt: 0, movedAt: Date.now(), from });

function worker() {
  const transports: FakeTransport[] = [];
  const given: Array<{ ack: number; moved: Moved }> = [];
  let empty = 0;
  const connections = new Connections(SETTINGS, { onEmpty: () => void empty++, onGiven: (_handle, movedOut, ack) => void given.push({ ack, moved: movedOut }) },
    () => {
      const transport = new FakeTransport();
      transports.push(transport);
      return transport;
    });
  return { connections, transports, given, empty: () => empty };
}

t.test('the worker counts a new connection once, a moved one as received, one that leaves as given', async (t) => {
  const { connections, transports, given } = worker();
  connections.serve(clientHandle('a'));
  connections.serve(clientHandle('b'), moved(1));
  transports[0]!.send(GET);
  t.match(connections.counts, { connections: 1, received: 1, given: 0, open: 2, requests: 1 });
  t.equal(connections.give(5, 41), 1, 'one of two may leave: the other arrived a moment ago');
  t.match(connections.counts, { given: 1, open: 1 });
  t.same(given.map((each) => ({ ack: each.ack, from: each.moved.from })), [{ ack: 41, from: 3 }], 'answering the give, from our slot');
  transports[1]!.close();
  t.match(connections.counts, { open: 0 }, 'a close is counted too');
});

t.test('requests in progress, over the connections open: a begun request counts until its answer is out', async (t) => {
  const { connections, transports } = worker();
  for (const name of ['a', 'b', 'c']) connections.serve(clientHandle(name));
  t.equal(connections.inProgress, 0, 'three open, none asking');
  transports[0]!.send('GET / HT');
  transports[2]!.send('GET / HT');
  t.equal(connections.inProgress, 2, 'two heads half in');
  transports[0]!.send('TP/1.1\r\nHost: x\r\n\r\n');
  t.equal(connections.inProgress, 1, 'one answered');
  transports[2]!.close();
  t.equal(connections.inProgress, 0, 'the other closed');
});

t.test('give takes at most the count asked for', async (t) => {
  const { connections, given } = worker();
  for (const name of ['a', 'b', 'c', 'd']) connections.serve(clientHandle(name));
  t.equal(connections.give(2, 7), 2);
  t.equal(given.length, 2);
  t.match(connections.counts, { open: 2, given: 2 });
});

t.test('retire: every connection leaves at its boundary, answering the retire; then the worker is empty', async (t) => {
  const { connections, transports, given, empty } = worker();
  connections.serve(clientHandle('idle'));
  connections.serve(clientHandle('busy'));
  transports[1]!.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
  connections.retire(9);
  t.equal(given.length, 1, 'the idle one left at once');
  t.equal(empty(), 0);
  transports[1]!.send('cd');
  t.same(given.map((each) => each.ack), [9, 9], 'the busy one left when its body ended');
  t.equal(empty(), 1, 'and the drain can finish');
  connections.serve(clientHandle('late'));
  t.equal(given.length, 3, 'one that arrives while retiring leaves at once too');
});

t.test('drain: connections close after their next answer; the worker hears when the last is gone', async (t) => {
  const { connections, transports, empty } = worker();
  connections.serve(clientHandle('a'));
  connections.drain();
  connections.serve(clientHandle('b'));
  transports[1]!.send(GET);
  t.match(transports[1]!.take(), /connection: close/, 'a connection that arrives while draining drains too');
  transports[0]!.close();
  t.equal(empty(), 0);
  transports[1]!.close();
  t.equal(empty(), 1);
});

/** A worker process as the mover sees it: a slot, a count of open connections, a handle pipe that records what it is sent. */
class Receiver {
  takesConnections = true;
  counts = { connections: 0, requests: 0, received: 0, given: 0, open: 0 };
  open = 0;
  readonly taken: string[] = [];
  readonly pending: Array<{ handle: string; moved: Moved | undefined; answer(): void }> = [];
  readonly pipe = {
    send: (handle: ClientHandle, taken: () => void, movedIn?: Moved) => void this.pending.push({ handle: nameOf(handle)!, moved: movedIn, answer: taken }),
  };
  constructor(readonly slot: number, readonly pid = 100 + slot) {}
  tookConnection(moved: boolean): void {
    if (moved) this.open++;
  }
  /** The receiver acknowledges its oldest. */
  take(): void {
    const next = this.pending.shift()!;
    this.taken.push(next.handle);
    next.answer();
  }
}

function mover(count: number) {
  const workers = Array.from({ length: count }, (_, slot) => new Receiver(slot));
  const events: MasterEvent[] = [];
  const candidates = () => workers.filter((each) => each.takesConnections) as unknown as WorkerProcess[];
  const it = new Mover({ candidates }, (event) => void events.push(event));
  const as = (each: Receiver) => each as unknown as WorkerProcess;
  return { it, workers, events, as };
}

t.test('mover: to the worker named, the master\'s copy held until taken, then one moved event', async (t) => {
  const { it, workers: [giver, receiver], events, as } = mover(2);
  const handle = clientHandle('c0');
  it.route(as(giver!), handle, { ...moved(0), bytes: Buffer.from('GET /x').toString('base64') }, as(receiver!));
  t.equal(it.moving, 1);
  t.same(receiver!.pending.map((each) => [each.handle, each.moved?.bytes]), [['c0', 'R0VUIC94']], 'on its pipe, with what it carries');
  t.equal((handle as FakeHandle).closed, false, 'held until taken');
  receiver!.take();
  t.equal((handle as FakeHandle).closed, true);
  t.equal(it.moving, 0);
  t.same(events, [{ type: 'moved', from: 0, to: 1, fromPid: 100, toPid: 101, bytes: 6 }]);
  t.equal(receiver!.open, 1, 'the master counts it with the receiver at once, before its report says so');
});

t.test('mover: a named worker that takes nothing gets nothing; the one holding fewest does, never the giver', async (t) => {
  const { it, workers, as } = mover(4);
  workers[1]!.takesConnections = false;
  workers[2]!.open = 10;
  workers[3]!.open = 4;
  workers[0]!.open = 0;
  it.route(as(workers[0]!), clientHandle('c0'), moved(), as(workers[1]!));
  t.same(workers.map((each) => each.pending.length), [0, 0, 0, 1], 'worker 3: fewer than 2, and 0 is the giver');
  it.route(as(workers[0]!), clientHandle('c1'), moved(), null);
  t.same(workers.map((each) => each.pending.length), [0, 0, 0, 2], 'still fewest, counting what is on its way to it');
  it.route(as(workers[0]!), clientHandle('c2'), moved(), as(workers[2]!));
  t.same(workers.map((each) => each.pending.length), [0, 0, 1, 2], 'a named worker that takes connections gets it, however many it holds');
  it.route(as(workers[2]!), clientHandle('c3'), moved(), as(workers[2]!));
  t.same(workers.map((each) => each.pending.length), [1, 0, 1, 2], 'never back to its giver, even when named: to the fewest');
});

t.test('mover: what is on its way to a worker counts as held by it', async (t) => {
  const { it, workers, as } = mover(3);
  workers[1]!.open = 5;
  workers[2]!.open = 3;
  for (const name of ['c0', 'c1', 'c2']) it.route(as(workers[0]!), clientHandle(name), moved(), null);
  t.same(workers.map((each) => each.pending.length), [0, 1, 2], '3, 3 + 1, then 3 + 2 against 5: a tie goes to the first');
  it.route(as(workers[0]!), clientHandle('c3'), moved(), null);
  t.same(workers.map((each) => each.pending.length), [0, 1, 3], '3 + 2 against 5 + 1');
});

t.test('mover: a receiver that dies before taking leaves the connection to another', async (t) => {
  const { it, workers: [giver, first, second], as } = mover(3);
  it.route(as(giver!), clientHandle('c0'), moved(), as(first!));
  first!.takesConnections = false;
  it.removed(as(first!));
  t.same(second!.pending.map((each) => each.handle), ['c0'], 'handed again');
  first!.take();
  t.equal(it.moving, 1, 'the dead one\'s late answer changes nothing');
  second!.take();
  t.equal(it.moving, 0, 'the second one took it');
});

t.test('mover: with nobody to take it, the connection is closed and said so; at stop, what is on its way is closed', async (t) => {
  const { it, workers: [giver, other], events, as } = mover(2);
  other!.takesConnections = false;
  const lost = clientHandle('c0');
  it.route(as(giver!), lost, moved(), null);
  t.equal((lost as FakeHandle).closed, true);
  t.same(events, [{ type: 'move-failed', from: 0, fromPid: 100, reason: 'no worker takes connections' }]);
  other!.takesConnections = true;
  const held = clientHandle('c1');
  it.route(as(giver!), held, moved(), as(other!));
  it.close();
  t.equal((held as FakeHandle).closed, true);
});

t.test('the rebalancer\'s plan: nothing within the bound; else the fullest give to the emptiest, to fair shares, within the budget', async (t) => {
  t.same(planGives([{ slot: 0, open: 105 }, { slot: 1, open: 100 }, { slot: 2, open: 100 }, { slot: 3, open: 95 }], 5, 1000), [],
    '5 over a mean of 100 is within 5%');
  const burst = [{ slot: 0, open: 185 }, { slot: 1, open: 112 }, { slot: 2, open: 66 }, { slot: 3, open: 37 }];
  t.same(planGives(burst, 5, 1000), [{ from: 0, to: 3, count: 63 }, { from: 0, to: 2, count: 22 }, { from: 1, to: 2, count: 12 }],
    'the measured burst: 97 moves leave 100 each');
  t.same(planGives(burst, 5, 10), [{ from: 0, to: 3, count: 10 }], 'no more than the budget');
  t.same(planGives(burst, 5, 0), []);
  t.same(planGives([{ slot: 0, open: 3 }, { slot: 1, open: 0 }], 5, 10), [{ from: 0, to: 1, count: 1 }], 'small numbers: 2 and 1 is as even as 3 gets');
  t.same(planGives([{ slot: 0, open: 2 }, { slot: 1, open: 0 }], 5, 10), [], 'one over the mean is within the bound of one connection');
  t.same(planGives([{ slot: 0, open: 50 }], 5, 10), [], 'one slot: nothing to even out');
  t.same(planGives([{ slot: 0, open: 130 }, { slot: 1, open: 70 }], 50, 100), [], 'a wider bound tolerates more');
  t.same(planGives(burst, 5, 1), [{ from: 0, to: 3, count: 1 }], 'a budget of one is one move');
  const unsorted = [{ slot: 0, open: 20 }, { slot: 1, open: 40 }, { slot: 2, open: 10 }, { slot: 3, open: 0 }];
  t.same(planGives(unsorted, 5, 10), [{ from: 1, to: 3, count: 10 }], 'the largest surplus to the largest deficit, whatever the slot order');
  t.same(planGives(unsorted, 5, 100), [{ from: 1, to: 3, count: 17 }, { from: 1, to: 2, count: 5 }, { from: 0, to: 2, count: 2 }]);
});

t.test('what a worker holds as the master sees it: its last report, and what it took since', async (t) => {
  const child = new FakeChild(0, {}, []);
  const worker = new WorkerProcess(0, { child: child as unknown as ChildProcess, openPipe: () => child.pipe }, () => {});
  for (let taken = 0; taken < 10; taken++) worker.tookConnection();
  worker.tookConnection(true);
  worker.tookConnection(true);
  t.equal(worker.open, 12, 'before any report: the 10 handed and the 2 moved it took');
  worker.counts = { connections: 10, requests: 0, received: 2, given: 0, open: 11 };
  t.equal(worker.open, 11, 'a report that counted them all is the truth (one has closed)');
  for (let taken = 0; taken < 3; taken++) worker.tookConnection();
  worker.tookConnection(true);
  t.equal(worker.open, 15, 'and what it took after that report comes on top');
});

/** A slot's worker as the rebalancer sees it: what it holds, and the `give` orders it is sent. */
class Holder {
  readonly gives: Array<{ count: number; to: number; seq: number; answer(): void }> = [];
  private seq = 0;
  constructor(readonly slot: number, public open: number) {}
  send(order: OrderBody, _handle: null, answered?: (report: Report) => void): number {
    if (order.type !== 'give') throw new Error(`unexpected ${order.type}`);
    const seq = ++this.seq;
    this.gives.push({ count: order.count, to: order.to, seq, answer: () => answered?.({ type: 'counted', seq: 1, ack: seq, ...ZERO }) });
    return seq;
  }
}
const ZERO = { connections: 0, requests: 0, received: 0, given: 0, open: 0, inProgress: 0, utilization: 0 };

function rebalancer(open: number[], movesPerSecond = 1000) {
  const holders = open.map((count, slot) => new Holder(slot, count));
  const mover = { moving: 0 };
  const clock = { ms: 1_000_000 };
  const it = new Rebalancer(() => holders as unknown as WorkerProcess[], mover, { aboveMeanPercent: 5, movesPerSecond }, () => clock.ms);
  const as = (holder: Holder) => holder as unknown as WorkerProcess;
  return { it, holders, mover, clock, as };
}

t.test('the rebalancer asks the fullest to give to the emptiest, then waits for the answer before it looks again', async (t) => {
  const { it, holders: [full, middle, empty], as } = rebalancer([90, 30, 0]);
  it.look();
  t.same(full!.gives.map(({ count, to }) => ({ count, to })), [{ count: 40, to: 2 }, { count: 10, to: 1 }], 'to fair shares, the largest deficit first');
  t.same([middle!.gives.length, empty!.gives.length], [0, 0]);
  t.equal(it.target(as(full!), full!.gives[0]!.seq), 2, 'the give names the slot its connections are for');
  full!.open = 40;
  it.look();
  t.equal(full!.gives.length, 2, 'nothing new while a give is unanswered');
  full!.gives[0]!.answer();
  it.look();
  t.equal(full!.gives.length, 2, 'nor while the other is');
  full!.gives[1]!.answer();
  it.look();
  t.equal(full!.gives.length, 3, 'both answered: it looks again, and the counts still say 40 / 30 / 0');
  t.equal(it.target(as(full!), full!.gives[0]!.seq), null, 'an answered give is forgotten');
});

t.test('the rebalancer: nothing while moves are on their way or within the bound; a dead giver is not waited for', async (t) => {
  const even = rebalancer([100, 104, 98]);
  even.it.look();
  t.same(even.holders.map((holder) => holder.gives.length), [0, 0, 0], 'within 5% of the mean');
  const moving = rebalancer([90, 0]);
  moving.mover.moving = 1;
  moving.it.look();
  t.equal(moving.holders[0]!.gives.length, 0, 'a move still on its way: its receiver\'s count is not final');
  moving.mover.moving = 0;
  moving.it.look();
  t.equal(moving.holders[0]!.gives.length, 1);
  moving.it.removed(moving.as(moving.holders[0]!));
  moving.it.look();
  t.equal(moving.holders[0]!.gives.length, 2, 'the giver died: no answer is awaited from it');
});

t.test('the rebalancer looks by itself every REBALANCE_INTERVAL_MS once started, and not after stop', async (t) => {
  const { it, holders: [full] } = rebalancer([90, 0]);
  it.start();
  await until(() => full!.gives.length === 1, EVENT_MS, 'the first look');
  it.stop();
  full!.gives[0]!.answer();
  await new Promise((resolve) => setTimeout(resolve, 2 * REBALANCE_INTERVAL_MS));
  t.equal(full!.gives.length, 1, 'two intervals after stop, no second look');
});

t.test('the rebalancer spends at most --moves-per-second, refilled with time', async (t) => {
  const { it, holders: [full], clock } = rebalancer([400, 0, 0, 0], 10);
  it.look();
  t.same(full!.gives.map(({ count }) => count), [10], 'ten, though 300 would even them out');
  full!.gives[0]!.answer();
  it.look();
  t.equal(full!.gives.length, 1, 'the budget is spent');
  clock.ms += 500;
  it.look();
  t.same(full!.gives.map(({ count }) => count), [10, 5], 'half a second later, half of it');
});
