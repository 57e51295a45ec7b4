#!/usr/bin/env bash
# scripts/notes-data.sh [name...] — makes the raw output behind the figures in NOTES.md and notes/:
# each file in notes/data/ starts with the command that made it. With names, only those (see the list
# at the bottom); without, all of them, one after another (about half an hour on two cores). Needs ab,
# wrk, perf and clinic's dependencies, `npm run build` first, and HANDOFF_REUSEPORT_NODE pointing at a
# Node >= 22.12 for reuseport (.ci/run shows how to get one from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
out=notes/data
mkdir -p "$out"

# record NAME COMMAND...: runs the command, writing "$ COMMAND" and then its output to notes/data/NAME.txt.
record() {
  local name=$1
  shift
  echo "notes-data: $name" >&2
  { printf '$ %s\n' "$*"; bash -c "$*" 2>&1; } > "$out/$name.txt"
}

article_table() {
  record article-table 'for run in 1 2 3 4 5; do node master.js --port 3000 & sleep 1; ab -q -n10000 -c100 http://127.0.0.1:3000/ | grep -E "per second|Failed"; kill -INT $!; wait; done'
}

backlog_zero() {
  local overflows='nstat -az TcpExtListenOverflows | grep -o "[0-9]\+" | head -1'
  record backlog-zero "for backlog in 0 511; do node master.js --port 3000 --backlog \$backlog & sleep 1; before=\$($overflows); ab -q -n10000 -c100 -s 5 http://127.0.0.1:3000/ 2>&1 | grep -E 'Complete|Failed|per second|timeout'; echo \"backlog \$backlog: \$(( \$($overflows) - before )) listen overflows (the host's counter)\"; kill -INT \$!; wait; done"
}

article_fds() {
  record article-fds 'node bench/article/master.js --workers 1 --port 0 > /tmp/article.$$ & sleep 1; url=$(sed -n "s/.*\"url\":\"\([^\"]*\)\".*/\1/p" /tmp/article.$$); worker=$(sed -n "s/.*\"pids\":\[\([0-9]*\)\].*/\1/p" /tmp/article.$$); echo "fds before: $(ls /proc/$worker/fd | wc -l)"; ab -q -n 3000 -c 10 $url | grep "Complete requests"; echo "fds after: $(ls /proc/$worker/fd | wc -l)"; kill -INT %1; wait; rm -f /tmp/article.$$'
}

syscalls() {
  record syscalls 'node master.js --workers 1 --port 3000 & master=$!; sleep 1; worker=$(pgrep -P $master node | head -1); strace -c -p $worker -o /tmp/strace.$$ & tracer=$!; sleep 0.5; ab -q -n4000 -c10 http://127.0.0.1:3000/ | grep "Complete requests"; kill -INT $tracer; wait $tracer; cat /tmp/strace.$$; rm -f /tmp/strace.$$; kill -INT $master; wait $master'
}

herd() {
  record herd 'npm run -s herd'
}

one_worker() {
  record one-worker 'npm run -s bench -- --workers 1 --targets shared --transports raw,socket -c 100 --keep-alive no -n 20000 --runs 3 --out .bench/one-worker'
}

flame() {
  record flame-raw 'npm run -s profile -- flame --model shared --transport raw -n 20000 -c 50'
  record flame-socket 'npm run -s profile -- flame --model shared --transport socket -n 20000 -c 50'
  record flame-rr 'npm run -s profile -- flame --model rr -n 20000 -c 50'
}

restart() {
  record restart-wrk 'node dist/scripts/restart-under-load.js --model all --transport raw,socket --client wrk'
  record restart-ab 'node dist/scripts/restart-under-load.js --model shared --transport raw,socket --client ab-k,ab --runs 2'
  record restart-least-loaded 'node dist/scripts/restart-under-load.js --model least-loaded --transport raw,socket --client wrk'
  record restart-closes 'node dist/scripts/restart-under-load.js --model shared --transport raw,socket --client wrk --restart-closes'
}

chaos() {
  record chaos 'npm run -s chaos'
}

# The load tool against ab (a connection per request) and wrk (keep-alive), the same server, interleaved.
load_tool() {
  record load-tool 'node master.js --port 3000 & sleep 1; for round in 1 2 3; do echo "round $round"; echo "  ab -c50:        $(ab -q -n20000 -c50 http://127.0.0.1:3000/ | grep "Requests per second")"; echo "  load -c50:      $(npm run -s load -- -n 20000 -c 50 http://127.0.0.1:3000/ | grep "Requests per second")"; echo "  wrk -c50:       $(wrk -t2 -c50 -d5s http://127.0.0.1:3000/ | grep "Requests/sec")"; echo "  load -k -c50:   $(npm run -s load -- -k -n 400000 -c 50 http://127.0.0.1:3000/ | grep "Requests per second")"; done; kill -INT $!; wait'
}

# The load tool with keep-alive split over 1, 2 and 3 processes (the connections and requests shared out),
# beside wrk: the rate is all the requests over the slowest process's time. Then where one process's CPU goes.
load_tool_processes() {
  record load-tool-processes 'split() { local p=$1 n=$2 c=$3; for i in $(seq 1 $p); do node dist/scripts/load.js -k -n $((n / p)) -c $((c / p)) http://127.0.0.1:3000/ > /tmp/handoff-load-$i.out & done; wait; local t=$(grep -h "Time taken" /tmp/handoff-load-*.out | awk "{print \$5}" | sort -n | tail -1); rm -f /tmp/handoff-load-*.out; echo "$n $t" | awk "{printf \"%.0f\", \$1 / \$2}"; }; node master.js --port 3000 > /dev/null & sleep 1; for round in 1 2 3; do echo "round $round: wrk -c50 $(wrk -t2 -c50 -d4s http://127.0.0.1:3000/ | grep Requests/sec | awk "{print \$2}"); load -k -c50 in 1 process $(split 1 300000 50), in 2 $(split 2 400000 50), in 3 $(split 3 399999 51)"; done; rm -rf /tmp/handoff-load-profile; node --cpu-prof --cpu-prof-dir=/tmp/handoff-load-profile dist/scripts/load.js -k -n 300000 -c 50 http://127.0.0.1:3000/ | grep "Requests per"; kill -INT $!; wait; node -e "const fs = require(\"fs\"); const dir = \"/tmp/handoff-load-profile\"; const p = JSON.parse(fs.readFileSync(dir + \"/\" + fs.readdirSync(dir)[0])); const byId = new Map(p.nodes.map((n) => [n.id, n])); const self = new Map(); let total = 0; p.samples.forEach((id, i) => { const f = byId.get(id).callFrame; const k = f.functionName + \" \" + f.url.split(\"/\").slice(-2).join(\"/\"); self.set(k, (self.get(k) || 0) + p.timeDeltas[i]); total += p.timeDeltas[i]; }); console.log(\"the load tool, one process, self time:\"); [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).forEach(([k, v]) => console.log((100 * v / total).toFixed(1).padStart(6) + \"%  \" + k));"; rm -rf /tmp/handoff-load-profile'
}

# Requests that cost 20 ms beside cheap ones: every model, and least-loaded with the example schedulers (bench/uneven/).
uneven() {
  record uneven 'npm run -s bench -- --scenario uneven --runs 3 --schedulers examples/schedulers/rotation.js,examples/schedulers/responsive.js'
}

chaos_keep_alive() {
  record chaos-keep-alive 'npm run -s chaos -- --keep-alive; npm run -s chaos -- --keep-alive --rebalance'
}

fuzz() {
  record fuzz 'npm run -s fuzz -- --runs 1000000 --seed 42; npm run -s fuzz -- --runs 1000000 --seed 20261201'
}

move_cost() {
  record move-cost 'node dist/scripts/move-cost.js --connections 4000 --runs 3'
}

long_lived() {
  record long-lived 'npm run -s bench -- --scenario long-lived --out bench/long-lived'
}

all=(article_table backlog_zero article_fds syscalls herd one_worker flame restart chaos chaos_keep_alive fuzz move_cost long_lived load_tool load_tool_processes uneven)
for name in "${@:-${all[@]}}"; do "${name//-/_}"; done
