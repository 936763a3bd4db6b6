#!/usr/bin/env bash
# The systemd units under a real systemd: boots a minimal bookworm with systemd-nspawn (private network:
# loopback only), installs evserve as deploy/README.md says (binary, units, `systemctl enable evserve.socket`)
# and checks from inside, with every hardening option in force:
#   - the first connection starts evserve.service through the socket; /readyz and /predict answer;
#   - the service is active with the STATUS= text evserve sent with READY=1, as a dynamic (non-root) user;
#   - it is still running, never restarted, after longer than WatchdogSec (so WATCHDOG=1 arrives);
#   - SIGKILL makes systemd restart it (Restart=on-failure) and the socket keeps serving;
#   - `systemctl stop` ends it cleanly (Result=success, exit status 0).
# Usage: deploy/check-systemd-boot.sh   (as root; `make check-systemd-boot` runs it after `make check-image`,
# whose debootstrapped base and static binary it reuses from .build-image/). Needs systemd-container.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${EVSERVE_IMAGE_WORK:-$repo/.build-image}
base=$work/minbase
binary=${EVSERVE_BIN:-$work/swift/release/evserve}
root=$work/systemd-root
say() { printf '[check-systemd-boot] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root"
[ -e "$base/.complete" ] || fail "no debootstrapped base in $base: run deploy/check-runtime-image.sh first"
[ -x "$binary" ] || fail "no evserve binary at $binary"
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn is not installed (package systemd-container)"

cleanup() { if mountpoint -q "$root/proc"; then umount "$root/proc"; fi; }
trap cleanup EXIT
cleanup
rm -rf "$root"
cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
say "installing systemd and evserve's libraries in the container"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd libev4' \
    >"$work/systemd-apt.log" 2>&1 || { tail -20 "$work/systemd-apt.log" >&2; fail "apt-get in the container"; }
umount "$root/proc"

# As deploy/README.md installs it.
install -m 0755 "$binary" "$root/usr/local/bin/evserve"
install -m 0644 "$repo/deploy/systemd/evserve.service" "$repo/deploy/systemd/evserve.socket" "$root/etc/systemd/system/"
chroot "$root" systemctl enable evserve.socket >/dev/null 2>&1

# The probe: a oneshot unit that checks from inside, writes its verdict to /probe.result, and powers off.
cat >"$root/usr/local/sbin/evserve-probe" <<'PROBE'
#!/bin/bash
exec >/probe.log 2>&1
set -x
verdict() { echo "$1" >/probe.result; systemctl --no-block poweroff; exit 0; }
fail() { verdict "FAIL: $*"; }
request() {  # $1 = method, $2 = path, $3 = body; prints the status line (bash only: no curl in here)
    exec 3<>/dev/tcp/127.0.0.1/8000 || return 1
    printf '%s %s HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${#3}" "$3" >&3
    timeout 10 head -n 1 <&3 | tr -d '\r'
    exec 3<&-
}
wait_ready() {
    for _ in $(seq 150); do
        [ "$(request GET /readyz '')" = "HTTP/1.1 200 OK" ] && return 0
        sleep 0.2
    done
    fail "/readyz never 200 $1"
}
show() { systemctl show evserve.service -p "$1" --value; }
rows='{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98]]}'

[ "$(show ActiveState)" = inactive ] || fail "evserve.service started before any connection"
wait_ready "through the socket"
[ "$(request POST /predict "$rows")" = "HTTP/1.1 200 OK" ] || fail "/predict not 200"
[ "$(show ActiveState)/$(show SubState)" = active/running ] || fail "not active/running: $(show ActiveState)/$(show SubState)"
status=$(show StatusText)
[ -n "$status" ] || fail "no STATUS= text: READY=1 came without it"
pid=$(show MainPID)
uid=$(awk '/^Uid:/ {print $2}' /proc/$pid/status)
[ "$uid" -ne 0 ] || fail "running as root"

watchdog_usec=$(systemctl show evserve.service -p WatchdogUSec --value)
[ "$watchdog_usec" != 0 ] && [ "$watchdog_usec" != infinity ] || fail "no watchdog configured"
sleep $(( $(systemd-analyze timespan "$watchdog_usec" | awk '/μs:/ {print $2}') / 1000000 + 3 ))
[ "$(show NRestarts)" = 0 ] && [ "$(show MainPID)" = "$pid" ] || fail "restarted within WatchdogSec (NRestarts=$(show NRestarts))"
[ "$(show ActiveState)" = active ] || fail "not active after WatchdogSec"

kill -KILL "$pid"
for _ in $(seq 100); do [ "$(show NRestarts)" = 1 ] && [ "$(show ActiveState)" = active ] && break; sleep 0.1; done
[ "$(show NRestarts)" = 1 ] || fail "not restarted after SIGKILL (Restart=on-failure)"
wait_ready "after the restart"

systemctl stop evserve.service
[ "$(show Result)" = success ] && [ "$(show ExecMainStatus)" = 0 ] || fail "stop: Result=$(show Result) status=$(show ExecMainStatus)"
journalctl -u evserve.service --no-pager
verdict "PASS: socket-activated, READY with STATUS='$status', uid $uid, watchdog ${watchdog_usec}, restarted after SIGKILL, clean stop"
PROBE
chmod 0755 "$root/usr/local/sbin/evserve-probe"
cat >"$root/etc/systemd/system/evserve-probe.service" <<'UNIT'
[Unit]
Description=checks evserve from inside the container
After=evserve.socket
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/evserve-probe
[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable evserve-probe.service >/dev/null 2>&1

say "booting the container (systemd as its PID 1, loopback only)"
start=$SECONDS
# --register=no --keep-unit: this host runs no systemd/machined to register with.
timeout 240 systemd-nspawn -q -D "$root" -b --private-network --register=no --keep-unit \
    >"$work/systemd-boot.log" 2>&1 || true
say "boot, checks and power-off took $((SECONDS - start)) s"
[ -e "$root/probe.result" ] || { tail -30 "$work/systemd-boot.log" >&2; fail "the probe left no verdict"; }
result=$(cat "$root/probe.result")
if [[ "$result" != PASS* ]]; then
    tail -40 "$root/probe.log" >&2
    fail "${result#FAIL: }"
fi
say "$result"
