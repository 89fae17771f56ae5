#!/usr/bin/env bash
# One load-generator run against a fresh daemon, as recorded in benchmarks/RESULTS.md:
# writes the config (LoadConfig), starts the daemon, waits for it, runs the LoadGenerator, stops
# the daemon. Build first: mvn -B -q package -DskipTests
#
# usage: benchmarks/load-run.sh SERVERS LINES_PER_S SESSIONS DURATION PROFILE [generator options...]
#   e.g. benchmarks/load-run.sh 400 20 10000 30s high-density --no-heap
#        benchmarks/load-run.sh 100 20 2500 40s balanced --no-heap --stalled 1
#        benchmarks/load-run.sh 400 0 15000 10s high-density --warmup 1s          # idle sessions
#        SOURCE=process benchmarks/load-run.sh 100 5 2500 30s high-density --start-servers
# Environment: DAEMON_OPTS (JVM flags of the daemon; default the README's production flags),
#   PORT (default 18181), WORK (config, data and daemon log; default /tmp/tern-load),
#   SOURCE (synthetic, default, or process: one LineGenerator JVM per server).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 5 ]; then
  sed -n '2,14p' "$0"
  exit 2
fi
servers=$1; rate=$2; sessions=$3; duration=$4; profile=$5; shift 5
port=${PORT:-18181}
work=${WORK:-/tmp/tern-load}
source=${SOURCE:-synthetic}
daemon_opts=${DAEMON_OPTS:--XX:+UseParallelGC -Xmx512m -Xmn64m}
# One descriptor per session on each side; the hard limit on the project's machines is 20,000.
ulimit -n "$(ulimit -Hn)"
mkdir -p "$work"
config="$work/load-$servers-$rate-$source.yml"
rm -rf "$work/volumes-$servers-$rate-$source"
java -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoadConfig --out "$config" --servers "$servers" \
  --rate "$rate" --source "$source" --data "$work/volumes-$servers-$rate-$source" --port "$port" > /dev/null
# shellcheck disable=SC2086
java $daemon_opts -XX:AutoBoxCacheMax=65536 -jar src/target/tern.jar --config "$config" --profile "$profile" \
  > "$work/daemon.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2> /dev/null; wait $daemon 2> /dev/null || true' EXIT
for _ in $(seq 1 150); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then break; fi
  sleep 0.2
done
# Tokens issued in the daemon's boot second are refused (the Wings boot rule): mint them after it.
sleep 1.1
java -XX:AutoBoxCacheMax=65536 -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoadGenerator \
  --config "$config" --sessions "$sessions" --duration "$duration" --pid "$daemon" "$@"
