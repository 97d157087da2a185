#!/usr/bin/env bash
# Gureum's performance check, end to end (see bench/README.md):
#   (a) TrivialEndpoint, JIT, plain-get                      (the ceiling of this machine)
#   (b) Gureum, JIT (Release), signed sts-get-caller-identity
#   (c) Gureum, Native AOT, the same
#   (d) cold start (launch -> first signed 2xx GetCallerIdentity, median of RUNS) with idle RSS,
#       then load + max RSS on the last run: native in-memory, native durable (fresh --data-dir
#       every run), JIT in-memory.
# Every run writes its driver JSON to $OUT; a summary table is printed at the end.
#
# usage: bench/run.sh [--no-build]
# env:   REPEAT=3 (load runs per scenario)  RUNS=5 (cold starts)  CONNECTIONS=64  DURATION=10s
#        WARMUP=2s  SETTLE=20 (seconds to wait after building, so build servers stop using CPU)
#        OUT=out/bench
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
REPEAT=${REPEAT:-3}
RUNS=${RUNS:-5}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SETTLE=${SETTLE:-20}
OUT=${OUT:-$ROOT/out/bench}
PORT_TE=5599
PORT_G=4620
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

DRIVER_DLL=bench/Gureum.LoadDriver/bin/Release/net10.0/Gureum.LoadDriver.dll
TE_JIT=bench/TrivialEndpoint/bin/Release/net10.0/TrivialEndpoint
GUREUM_JIT=src/Gureum.Server/bin/Release/net10.0/gureum
GUREUM_NATIVE=out/native/gureum

if [[ "${1:-}" != "--no-build" ]]; then
  echo "== building (Release, JIT) and publishing the native server" >&2
  dotnet build -c Release bench/Gureum.LoadDriver -v q -nologo
  dotnet build -c Release bench/TrivialEndpoint -v q -nologo
  dotnet build -c Release src/Gureum.Server -v q -nologo
  dotnet publish src/Gureum.Server -c Release -r linux-x64 -p:PublishAot=true -o out/native -v q -nologo
  echo "== letting build processes go idle (${SETTLE}s)" >&2
  sleep "$SETTLE"
fi
for f in "$DRIVER_DLL" "$TE_JIT" "$GUREUM_JIT" "$GUREUM_NATIVE"; do
  [[ -x "$f" || -f "$f" ]] || { echo "missing $f (run without --no-build)" >&2; exit 1; }
done
mkdir -p "$OUT"
rm -f "$OUT"/*.json

driver() { dotnet "$DRIVER_DLL" "$@"; }

wait_port() { # wait_port PORT PID
  for _ in $(seq 1 500); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "server $2 died" >&2; return 1; }
    sleep 0.02
  done
  echo "server on :$1 did not come up" >&2; return 1
}

SERVER_PID=
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

# load NAME SCENARIO PORT COMMAND...: start the server, load it, stop it.
load() {
  local name=$1 scenario=$2 port=$3; shift 3
  "$@" >/dev/null 2>"$OUT/$name.server.log" &
  SERVER_PID=$!
  wait_port "$port" "$SERVER_PID"
  sleep 1 # idle RSS is read at the start of the run
  echo "== $name" >&2
  driver --endpoint "http://127.0.0.1:$port" --scenario "$scenario" --connections "$CONNECTIONS" \
    --duration "$DURATION" --warmup "$WARMUP" --rss-pid "$SERVER_PID" --json "$OUT/$name.json" | tail -n 4
  stop_server
}

for i in $(seq 1 "$REPEAT"); do
  load "a-trivial-jit-$i" plain-get $PORT_TE "$TE_JIT" --urls "http://127.0.0.1:$PORT_TE"
  load "b-gureum-jit-$i" sts-get-caller-identity $PORT_G "$GUREUM_JIT" start --in-memory --quiet --port $PORT_G
  load "c-gureum-native-$i" sts-get-caller-identity $PORT_G "$GUREUM_NATIVE" start --in-memory --quiet --port $PORT_G
done

# Durable cold start with a fresh data directory per run: a wrapper that execs the server, so the
# pid the driver measures is still the server's.
WRAP="$OUT/gureum-durable-fresh.sh"
cat > "$WRAP" <<EOF
#!/bin/sh
exec "$ROOT/$GUREUM_NATIVE" start --quiet --port $PORT_G --data-dir "\$(mktemp -d /tmp/gureum-bench.XXXXXX)"
EOF
chmod +x "$WRAP"

cold() { # cold NAME COMMAND
  echo "== cold start: $1" >&2
  driver --endpoint "http://127.0.0.1:$PORT_G" --scenario sts-get-caller-identity --cold-start "$2" --runs "$RUNS" \
    --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json "$OUT/$1.json" | tail -n 12
}
cold d-cold-native-inmemory "$ROOT/$GUREUM_NATIVE start --in-memory --quiet --port $PORT_G"
cold d-cold-native-durable "$WRAP"
cold d-cold-jit-inmemory "$ROOT/$GUREUM_JIT start --in-memory --quiet --port $PORT_G"
rm -rf /tmp/gureum-bench.*

python3 - "$OUT" "$GUREUM_NATIVE" <<'EOF'
import json, os, sys, glob, statistics
out, native = sys.argv[1], sys.argv[2]
def mib(k): return f"{k/1024:.1f}" if k else "-"
print("\n| run | req/s | p50 ms | p99 ms | non-2xx | RSS idle → max MiB |")
print("| --- | --- | --- | --- | --- | --- |")
rates = {}
for f in sorted(glob.glob(f"{out}/*.json")):
    d = json.load(open(f)); l = d.get("load"); name = os.path.basename(f)[:-5]
    if not l: continue
    h = l["latencyMicros"]
    idle = l.get("rssIdleKiB") or (d.get("coldStart", {}).get("runs", [{}])[-1].get("idleRssKiB"))
    print(f"| {name} | {l['requestsPerSecond']:.0f} | {h['p50']/1000:.2f} | {h['p99']/1000:.2f} | {l['non2xx']} | {mib(idle)} → {mib(l.get('rssMaxKiB'))} |")
    rates.setdefault(name.rsplit("-", 1)[0] if name[0] in "abc" else name, []).append(l["requestsPerSecond"])
print()
for f in sorted(glob.glob(f"{out}/d-*.json")):
    d = json.load(open(f)); c = d["coldStart"]
    runs = ", ".join(str(r.get("msToFirst2xx", "err")) for r in c["runs"])
    idle = [r.get("idleRssKiB") for r in c["runs"] if r.get("idleRssKiB")]
    print(f"cold start {os.path.basename(f)[:-5]}: median {c.get('medianMs')} ms (runs {runs}); idle RSS {mib(statistics.median(idle)) if idle else '-'} MiB")
te = rates.get("a-trivial-jit")
for k in ("b-gureum-jit", "c-gureum-native"):
    if te and k in rates:
        print(f"{k}: median {statistics.median(rates[k]):.0f} req/s = {100*statistics.median(rates[k])/statistics.median(te):.0f}% of trivial (median {statistics.median(te):.0f})")
print(f"native binary: {os.path.getsize(native)} bytes ({os.path.getsize(native)/1048576:.1f} MiB)")
EOF
