#!/usr/bin/env bash
# Proves the Dockerfile's runtime stage without a Docker engine:
#   1. builds evserve as the build stage does (its COPY set, `swift build -c release --static-swift-stdlib`),
#   2. debootstraps a minimal Debian 12 (what debian:bookworm-slim is made from) into a folder,
#   3. replays the runtime stage's instructions in it (RUN in a chroot, COPY --from=build, USER, ...),
#   4. checks that every library the binary loads is there, and that the stage installs exactly the packages
#      those libraries come from (glibc aside),
#   5. starts ENTRYPOINT + CMD under chroot as the stage's USER, in a network namespace of its own
#      (loopback only, so the image's 0.0.0.0:8000 is free and reaches nothing), and checks the HEALTHCHECK,
#      /healthz, /readyz, /predict on the 506 training rows against scikit-learn's predictions, and a clean
#      exit on SIGTERM.
# Usage: deploy/check-runtime-image.sh [--binary PATH | --build-only]   (as root; `make check-image` runs it)
#   --binary PATH: check this binary instead of building one; --build-only: build, print the path, stop.
# Needs: debootstrap, curl, python3, util-linux (unshare), iproute2. Work folder: .build-image/ (kept between runs:
# the debootstrapped base is reused, everything else is rebuilt).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${EVSERVE_IMAGE_WORK:-$repo/.build-image}
binary="" build_only=""
case "${1:-}" in
    --binary) binary=$(realpath "$2") ;;
    --build-only) build_only=1 ;;
esac
dockerfile=$repo/Dockerfile
base=$work/minbase          # pristine debootstrap output, reused between runs
rootfs=$work/rootfs         # this run's image
say() { printf '[check-image] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
mkdir -p "$work"

# --- The Dockerfile, one instruction a line: continuations joined, comments dropped. -------------------
instructions() {  # $1 = stage name; prints "INSTRUCTION arguments" lines of that stage
    python3 - "$dockerfile" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lines = [l for l in text.splitlines() if not l.lstrip().startswith("#")]
joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
stage, wanted = None, sys.argv[2]
for line in joined.splitlines():
    line = line.strip()
    if not line:
        continue
    m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        stage = m.group(2)
        if stage == wanted:
            print("FROM " + m.group(1))
        continue
    if stage == wanted:
        print(line)
PY
}
json_words() { python3 -c 'import json,shlex,sys; print(" ".join(shlex.quote(w) for w in json.loads(sys.argv[1])))' "$1"; }

# --- 1. The binary, built from exactly what the build stage copies. ------------------------------------
if [ -z "$binary" ]; then
    context=$work/context
    rm -rf "$context" && mkdir -p "$context"
    while read -r instruction args; do
        [ "$instruction" = COPY ] || continue
        read -r -a words <<<"$args"
        for src in "${words[@]:0:${#words[@]}-1}"; do cp -a "$repo/$src" "$context/"; done
    done < <(instructions build)
    find "$context" -name '.build*' -prune -exec rm -rf {} +
    say "building as the build stage does (release, static Swift stdlib)"
    swift build -c release --static-swift-stdlib --product evserve \
        --package-path "$context" --scratch-path "$work/swift" >&2
    binary=$work/swift/release/evserve
fi
[ -x "$binary" ] || fail "no binary at $binary"
if [ -n "$build_only" ]; then echo "$binary"; exit 0; fi

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, unshare)"

# --- 2. A minimal bookworm, from the mirror this machine's apt already uses (shared with check-newcomer). -
bash "$repo/deploy/debootstrap-base.sh" "$base"

# --- 3. The runtime stage, replayed. ---------------------------------------------------------------------
cleanup() { if mountpoint -q "$rootfs/proc"; then umount "$rootfs/proc"; fi; }
trap cleanup EXIT
mountpoint -q "$rootfs/proc" 2>/dev/null && umount "$rootfs/proc"
rm -rf "$rootfs"
cp -a "$base" "$rootfs"
mount -t proc proc "$rootfs/proc"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"   # as Docker provides one; only apt uses it
in_image() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

user="" port="" healthcheck="" entrypoint="" cmd="" from=""
while read -r instruction args; do
    case "${instruction^^}" in
        FROM) from=$args ;;
        RUN) say "RUN ${args:0:100}..."; in_image /bin/sh -c "$args" >"$work/run.log" 2>&1 \
                 || { tail -20 "$work/run.log" >&2; fail "RUN failed: $args"; } ;;
        COPY) read -r -a words <<<"$args"
              [ "${words[0]}" = "--from=build" ] && [ "${#words[@]}" = 3 ] || fail "unsupported COPY: $args"
              install -D -m 0755 "$binary" "$rootfs/${words[2]}" ;;
        USER) user=$args ;;
        EXPOSE) port=${args%%/*} ;;
        HEALTHCHECK) healthcheck=$(json_words "${args#*CMD }") ;;
        ENTRYPOINT) entrypoint=$(json_words "$args") ;;
        CMD) cmd=$(json_words "$args") ;;
        *) fail "the check cannot replay '$instruction' in the runtime stage" ;;
    esac
done < <(instructions runtime)
[ "$from" = "debian:bookworm-slim" ] || fail "runtime stage is FROM '$from', the check emulates debian:bookworm-slim"
[ -n "$user" ] && [ -n "$port" ] && [ -n "$healthcheck" ] && [ -n "$entrypoint" ] \
    || fail "runtime stage lacks USER, EXPOSE, HEALTHCHECK or ENTRYPOINT"
uid=${user%%:*}
[ "$uid" != 0 ] && [ "$uid" != root ] || fail "runtime stage runs as root"
say "image folder: $(du -sh --exclude=proc "$rootfs" | cut -f1) (docs and locales kept, unlike -slim); user $user; port $port"

# --- 4. Libraries: all found, and the stage names exactly the packages they come from (glibc aside). ----
exe=$(eval "set -- $entrypoint"; echo "$1")
ldd_out=$(in_image ldd "$exe")
! grep -q "not found" <<<"$ldd_out" || fail "missing libraries in the image:"$'\n'"$ldd_out"
requested=$(in_image apt-mark showmanual | sort)
owner() {  # the package owning a library: dpkg may know it under /lib or /usr/lib (merged /usr), by name or target
    local real candidates path
    real=$(in_image realpath "$1")
    candidates="$1 $real ${1#/usr} /usr${1#/usr} ${real#/usr} /usr${real#/usr}"
    for path in $candidates; do
        in_image dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1 && return 0
    done
    fail "no package owns $1"
}
needed_packages=""
for lib in $(awk '/=>/ {print $3}' <<<"$ldd_out"); do needed_packages+="$(owner "$lib")"$'\n'; done
needed_packages=$(sort -u <<<"$needed_packages" | sed '/^$/d')
# glibc (libc6) is the one library every Debian program may assume; everything else must be named.
expected=$(grep -vx libc6 <<<"$needed_packages" || true)
[ "$expected" = "$requested" ] || fail "the stage should install exactly: $(echo $expected) (it names: $(echo $requested))"
say "libraries from: $(echo $needed_packages) (stage names: $(echo $requested))"

# --- 5. Serve, as `docker run` would, in a loopback-only network namespace. -------------------------------
# The oracle: scikit-learn's predictions for the 506 training rows (first rows of the Inference fixture,
# written by tools/generate_fixtures.py); the served default model must match them within 1e-9.
oracle=$repo/Tests/InferenceTests/Fixtures/check_rows.csv
[ -e "$oracle" ] || fail "no oracle at $oracle"
export rootfs user port healthcheck entrypoint cmd oracle
unshare --net --fork bash -euo pipefail -c '
    ip link set lo up
    server_pid="" image_log=$(mktemp)
    trap "kill -9 \$server_pid 2>/dev/null || true; rm -f \$image_log" EXIT
    say() { printf "[check-image] %s\n" "$*" >&2; }
    fail() { say "FAIL: $*"; exit 1; }

    eval "set -- $entrypoint $cmd"
    chroot --userspec="$user" "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin "$@" 2>"$image_log" &
    server_pid=$!
    for _ in $(seq 600); do
        [ "$(curl -s -m 5 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/readyz")" = 200 ] && break
        kill -0 $server_pid 2>/dev/null || { cat "$image_log" >&2; fail "server exited"; }
        sleep 0.1
    done
    say "$(grep -m1 "listening on" "$image_log" || fail "no \"listening on\" line in the log")"
    # chroot and env exec, so the background pid is the server itself.
    running_uid=$(awk "/^Uid:/ {print \$2}" /proc/$server_pid/status 2>/dev/null || echo "none: it exited")
    [ "$running_uid" = "${user%%:*}" ] || fail "server runs as uid $running_uid, not ${user%%:*}"

    eval "set -- $healthcheck"
    chroot --userspec="$user" "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin "$@" \
        || fail "HEALTHCHECK command failed"
    [ "$(curl -s -m 5 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/healthz")" = 200 ] || fail "/healthz not 200"
    [ "$(curl -s -m 5 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/readyz")" = 200 ] || fail "/readyz not 200"
    python3 - "$oracle" "http://127.0.0.1:$port/predict" <<"PY" || fail "/predict disagrees with scikit-learn"
import csv, json, sys, urllib.request
rows = list(csv.DictReader(open(sys.argv[1])))[:506]
features = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"]
body = json.dumps({"X": [[float(r[f]) for f in features] for r in rows]}).encode()
request = urllib.request.Request(sys.argv[2], data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    assert response.status == 200, response.status
    y = json.load(response)["y"]
expected = [float(r["gbr"]) for r in rows]
worst = max(abs(a - b) for a, b in zip(y, expected))
assert len(y) == len(expected) and worst <= 1e-9, f"{len(y)} answers, worst difference {worst}"
print(f"[check-image] /predict in the image: 506 training rows, max |y - scikit-learn| = {worst:.3g}", file=sys.stderr)
PY

    kill -TERM $server_pid
    for _ in $(seq 150); do kill -0 $server_pid 2>/dev/null || break; sleep 0.1; done
    kill -0 $server_pid 2>/dev/null && fail "server still running 15 s after SIGTERM"
    wait $server_pid && status=0 || status=$?
    [ "$status" = 0 ] || { cat "$image_log" >&2; fail "exit status $status after SIGTERM"; }
    server_pid=""
'
say "PASS: the runtime stage serves /predict as root-less $user on port $port"
