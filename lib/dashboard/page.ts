/**
 * lib/dashboard/page.ts — the dashboard's one page: HTML, CSS and a little script, no framework.
 *
 * The page opens an EventSource on /events and redraws from each frame (server.ts, DashboardFrame):
 * a bar per slot, sized by its share of the busiest slot, with its numbers beside it, and a second bar
 * for the connections each slot holds now: watch a burst land unevenly and, with --rebalance, even out.
 * Bars are plain elements whose width is set from the counts; a chart library would add weight and
 * nothing a reader needs here. Every number sits in an element a test can find (`[data-slot] .open`,
 * `#jain`, `#moves`).
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>handoff dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { font: 15px/1.4 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { max-width: 1100px; margin: 24px auto; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .meta, .status { color: #5a6275; }
  .meta span { margin-right: 16px; }
  .cards { display: flex; gap: 12px; margin: 16px 0; flex-wrap: wrap; }
  .card { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: 10px 14px; min-width: 130px; }
  .card b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
  table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #dde1e8; border-radius: 8px; }
  th, td { padding: 8px 10px; text-align: left; border-bottom: 1px solid #eef0f4; font-variant-numeric: tabular-nums; }
  th { font-size: 13px; color: #5a6275; font-weight: 600; }
  td.num { text-align: right; }
  .bar { height: 16px; background: #e7ebf2; border-radius: 4px; min-width: 240px; }
  .bar div { height: 100%; background: #4e79a7; border-radius: 4px; transition: width .4s; }
  .open-bar { min-width: 160px; }
  .open-bar div { background: #59a14f; }
  .replaced { color: #8a5a00; font-size: 13px; }
  pre { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: 10px; font-size: 13px; min-height: 3em; white-space: pre-wrap; }
  .stopped { color: #b3261e; font-weight: 600; }
</style>
</head>
<body>
<h1>handoff: how connections reach the workers</h1>
<div class="meta"><span id="model"></span><span id="transport"></span><span id="backlog"></span><span id="node"></span><span id="url"></span></div>
<div class="cards">
  <div class="card">connections<b id="total-connections">0</b></div>
  <div class="card">requests<b id="total-requests">0</b></div>
  <div class="card">new connections/s<b id="total-rate">0</b></div>
  <div class="card">max/min<b id="max-min">–</b></div>
  <div class="card">Jain's index<b id="jain">–</b></div>
  <div class="card">master wake-ups/conn<b id="master-herd">–</b></div>
  <div class="card">open now<b id="total-open">0</b></div>
  <div class="card">Jain's index, open<b id="open-jain">–</b></div>
  <div class="card">moves<b id="moves">0</b></div>
</div>
<table>
  <thead><tr><th>slot</th><th>pid</th><th>connections accepted, share of the busiest</th><th class="num">connections</th><th class="num">/s</th>
    <th class="num">requests</th><th class="num">wake-ups/conn</th><th>open now</th><th class="num">open</th><th class="num">gave</th>
    <th class="num">received</th><th class="num" title="handles on its pipe not yet acknowledged">in flight</th>
    <th class="num">in progress</th><th class="num" title="event-loop utilization, as it last said">loop busy</th><th>replaced</th></tr></thead>
  <tbody id="slots"></tbody>
</table>
<h2 style="font-size:16px">master log</h2>
<pre id="log"></pre>
<p class="status" id="status">connecting…</p>
<script>
const $ = (id) => document.getElementById(id);
const fixed = (value, digits) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
function row(slot) {
  let tr = document.querySelector('tr[data-slot="' + slot + '"]');
  if (tr) return tr;
  tr = document.createElement('tr');
  tr.dataset.slot = slot;
  tr.innerHTML = '<td class="slot"></td><td class="pid"></td><td><div class="bar"><div></div></div></td>' +
    '<td class="num connections"></td><td class="num rate"></td><td class="num requests"></td>' +
    '<td class="num herd"></td><td><div class="bar open-bar"><div></div></div></td><td class="num open"></td>' +
    '<td class="num given"></td><td class="num received"></td><td class="num in-flight"></td><td class="num in-progress"></td>' +
    '<td class="num utilization"></td><td class="replaced"></td>';
  $('slots').appendChild(tr);
  return tr;
}
function draw(frame) {
  const { report, rates, herd, info, log } = frame;
  if (info) {
    $('model').textContent = 'model ' + info.model;
    $('transport').textContent = 'transport ' + info.transport;
    $('backlog').textContent = 'backlog ' + info.backlog;
    $('node').textContent = 'Node ' + info.node;
    $('url').textContent = info.url;
  }
  $('total-connections').textContent = report.connections;
  $('total-requests').textContent = report.requests;
  $('total-rate').textContent = Math.round(rates.reduce((sum, rate) => sum + rate, 0));
  $('max-min').textContent = report.maxMin === null ? 'infinite' : fixed(report.maxMin, 2);
  $('jain').textContent = fixed(report.jain, 3);
  $('master-herd').textContent = fixed(herd.master, 2);
  $('total-open').textContent = report.slots.reduce((sum, slot) => sum + slot.open, 0);
  $('open-jain').textContent = fixed(report.openJain, 3);
  $('moves').textContent = report.moves;
  const widest = Math.max(1, ...report.slots.map((slot) => slot.connections));
  const widestOpen = Math.max(1, ...report.slots.map((slot) => slot.open));
  for (const slot of report.slots) {
    const tr = row(slot.slot);
    const current = report.workers.find((worker) => worker.slot === slot.slot && !worker.replaced);
    const replaced = report.workers.filter((worker) => worker.slot === slot.slot && worker.replaced);
    const wakeups = herd.workers.find((worker) => worker.slot === slot.slot);
    tr.querySelector('.slot').textContent = slot.slot;
    tr.querySelector('.pid').textContent = current ? current.pid : '–';
    tr.querySelector('.bar div').style.width = (100 * slot.connections / widest) + '%';
    tr.querySelector('.connections').textContent = slot.connections;
    tr.querySelector('.rate').textContent = Math.round(rates[slot.slot] || 0);
    tr.querySelector('.requests').textContent = slot.requests;
    tr.querySelector('.herd').textContent = fixed(wakeups && wakeups.wakeupsPerConnection, 2);
    tr.querySelector('.open-bar div').style.width = (100 * slot.open / widestOpen) + '%';
    tr.querySelector('.open').textContent = slot.open;
    tr.querySelector('.given').textContent = slot.given;
    tr.querySelector('.received').textContent = slot.received;
    const load = current ? current.load : null;
    tr.querySelector('.in-flight').textContent = load ? load.inFlight : '–';
    tr.querySelector('.in-progress').textContent = load ? load.inProgress : '–';
    tr.querySelector('.utilization').textContent = load ? Math.round(100 * load.utilization) + '%' : '–';
    tr.querySelector('.replaced').textContent = replaced.map((worker) => worker.pid + ' (' + worker.connections + ')').join(', ');
  }
  $('log').textContent = log.join('\\n');
  $('status').textContent = 'live: a frame every 500 ms';
}
const source = new EventSource('/events');
source.onmessage = (message) => draw(JSON.parse(message.data));
source.onerror = () => {
  source.close();
  $('status').textContent = 'the master has stopped; these are its last numbers';
  $('status').className = 'status stopped';
};
</script>
</body>
</html>
`;
