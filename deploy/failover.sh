#!/usr/bin/env bash
# Failover under load: nginx (with deploy/nginx/evserve.conf, only its addresses changed) in front of two
# evserve instances on loopback; wrk POSTs /predict through nginx; one instance is killed with SIGKILL
# mid-run. Passes when every request got a 200 and both instances had served before the kill.
# Usage: EVSERVE_BIN=path/to/evserve deploy/failover.sh   (`make failover` builds release and runs it)
# Tunables: FAILOVER_SECONDS (default 10), FAILOVER_KILL_AFTER (default 4), FAILOVER_CONNECTIONS (default 32).
# Needs: nginx, wrk, curl. Only 127.0.0.1 is used; every process started here is stopped on exit.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${EVSERVE_BIN:-$repo/.build/release/evserve}
seconds=${FAILOVER_SECONDS:-10}
kill_after=${FAILOVER_KILL_AFTER:-4}
connections=${FAILOVER_CONNECTIONS:-32}
say() { printf '[failover] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[ -x "$bin" ] || fail "no evserve binary at $bin (set EVSERVE_BIN)"
for tool in nginx wrk curl; do command -v $tool >/dev/null || fail "$tool is not installed"; done

tmp=$(mktemp -d /tmp/evserve-failover.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [ -s "$tmp/nginx.pid" ]; then  # QUIT: nginx finishes and exits; wait for that (bounded) before rm
        nginx_pid=$(cat "$tmp/nginx.pid")
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Two instances on free loopback ports; each logs its port once it serves.
start_instance() {  # $1 = name; prints the port
    "$bin" --host 127.0.0.1 --port 0 2>"$tmp/$1.log" &
    pids+=($!)
    echo $! >"$tmp/$1.pid"
    disown $!  # killed on purpose: no "Killed" job notice
}
wait_ready() {  # $1 = name; prints the port once /readyz says 200
    local port=""
    for _ in $(seq 600); do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$1.log" | head -1)
        if [ -n "$port" ] && [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then
            echo "$port"; return 0
        fi
        sleep 0.1
    done
    cat "$tmp/$1.log" >&2; fail "instance $1 not ready within 60 s"
}
start_instance a; start_instance b
port_a=$(wait_ready a); port_b=$(wait_ready b)
say "instances: a on $port_a (pid $(cat "$tmp/a.pid")), b on $port_b (pid $(cat "$tmp/b.pid"))"

# The shipped config, with its two upstream servers and its listen address moved to this run's ports.
lb_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s/server 127\.0\.0\.1:8001 /server 127.0.0.1:$port_a /" \
    -e "s/server 127\.0\.0\.1:8002 /server 127.0.0.1:$port_b /" \
    -e "s/listen 80;/listen 127.0.0.1:$lb_port;/" \
    "$repo/deploy/nginx/evserve.conf" >"$tmp/evserve.conf"
[ "$(grep -cE "server 127\.0\.0\.1:($port_a|$port_b) " "$tmp/evserve.conf")" = 2 ] \
    && grep -q "listen 127.0.0.1:$lb_port;" "$tmp/evserve.conf" \
    || fail "deploy/nginx/evserve.conf no longer has the upstream/listen lines this script rewrites"
mkdir -p "$tmp/temp" && chmod 0777 "$tmp/temp"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 1024; }
http {
    log_format upstreams '\$msec \$status "\$upstream_addr" "\$upstream_status" \$request_method \$uri';
    access_log $tmp/access.log upstreams;
    client_body_temp_path $tmp/temp/body;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    include $tmp/evserve.conf;
}
EOF
nginx -t -q -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" || { cat "$tmp/error.log" >&2; fail "nginx -t"; }
# lb_port was free a moment ago; if something took it since, nginx says so and exits.
nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" || { cat "$tmp/error.log" >&2; fail "nginx did not start"; }
for _ in $(seq 50); do
    [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb_port/readyz")" = 200 ] && break
    sleep 0.1
done
[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb_port/readyz")" = 200 ] || fail "nginx does not answer"

# wrk POSTs two Boston housing rows and prints its error counts as JSON at the end.
cat >"$tmp/predict.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98], ' ..
           '[0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]}'
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format('RESULT {"requests": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
        '"timeout": %d, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
        summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
EOF
say "wrk: $connections connections for ${seconds}s through nginx on $lb_port; SIGKILL to a after ${kill_after}s"
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 5s -s "$tmp/predict.lua" "http://127.0.0.1:$lb_port/predict" \
    >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!
pids+=($wrk_pid)
sleep "$kill_after"
kill_time=$(date +%s.%N)
kill -KILL "$(cat "$tmp/a.pid")"
say "killed a at $(date -u +%T.%N | cut -c1-12)"
wait "$wrk_pid" || fail "wrk failed: $(cat "$tmp/wrk.out")"
end_time=$(date +%s.%N)
cat "$tmp/wrk.out" >&2

result=$(sed -n 's/^RESULT //p' "$tmp/wrk.out")
[ -n "$result" ] || fail "no result from wrk"
python3 - "$result" "$tmp/access.log" "$kill_time" "$port_a" "$port_b" "$end_time" <<'PY'
import json, re, sys
result, log_path, kill_time, port_a, port_b = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
run_end = float(sys.argv[6])
r = json.loads(result)
failed = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
entries = []
for line in open(log_path):
    m = re.match(r'(\S+) (\d+) "([^"]*)" "([^"]*)" POST /predict$', line.rstrip("\n"))
    if m:
        entries.append((float(m.group(1)), int(m.group(2)), m.group(3), m.group(4)))
# wrk stops on the clock and drops the requests it has in flight; nginx logs those as 499 (client closed).
cut_off = [e for e in entries if e[1] == 499 and e[0] >= run_end - 1.0]
predict = [e for e in entries if e not in cut_off]
before = [e for e in predict if e[0] < kill_time]
after = [e for e in predict if e[0] >= kill_time + 0.5]
def served_by(entries, port):  # the instance that produced the final answer
    return sum(1 for e in entries if e[2].split(", ")[-1].endswith(":" + port))
retried = sum(1 for e in predict if ", " in e[2])
non_200 = sum(1 for e in predict if e[1] != 200)
print(f"requests {r['requests']} (+{len(cut_off)} cut off by wrk's end), failed {failed} (connect {r['connect']}, read {r['read']}, write {r['write']}, "
      f"non-2xx/3xx {r['status']}, timeout {r['timeout']}); nginx logged {len(predict)}, non-200 {non_200}; "
      f"retried on the other instance {retried}; before the kill a served {served_by(before, port_a)}, "
      f"b served {served_by(before, port_b)}; after it a served {served_by(after, port_a)}, b {served_by(after, port_b)}; "
      f"latency p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms")
problems = []
if r["requests"] == 0: problems.append("no requests")
if failed: problems.append(f"{failed} failed requests")
if non_200: problems.append(f"{non_200} non-200 answers in nginx's log")
if not served_by(before, port_a) or not served_by(before, port_b): problems.append("both instances should serve before the kill")
if served_by(after, port_a): problems.append("the killed instance still answered")
if not served_by(after, port_b): problems.append("the survivor served nothing after the kill")
if problems:
    sys.exit("FAIL: " + "; ".join(problems))
PY
say "PASS: 0 failed requests with one of two instances killed mid-run"
