#!/usr/bin/env bash
# The README's two commands as a newcomer meets them, on a stock Debian 12 that has only what swift.org's
# Linux install guide lists for Debian 12, plus git and make, and the Swift toolchain:
#   1. copies the minimal bookworm check-image also starts from (deploy/debootstrap-base.sh; made once),
#   2. installs exactly swift.org's Debian 12 package list, plus git and make,
#   3. makes this host's Swift toolchain (found from `swift` on PATH), its git configuration (and the local
#      folders it rewrites repository URLs to), its pip configuration (and the local folders it names) and
#      its DNS settings visible inside, read-only and at the same paths,
#   4. clones this repository's HEAD commit (the committed tree: uncommitted changes are not tested) from a
#      read-only mount and runs `make test` in the clone: Swift suites, live Python suites, check-image
#      (a debootstrap of its own, nested) and the systemd suite,
#   5. runs `make run` in a network namespace of its own (loopback only, so its port 8000 cannot clash with
#      anything on the host), checks GET / and POST /predict, and stops it with SIGTERM,
#   6. runs `make soak DURATION=2m` (tests/soak.mk) on that release build, in a namespace of its own too.
# Everything runs in a private mount namespace, so every mount made here disappears with it, even when a
# step fails; the exit trap also ends every process left with its root in the stock machine.
# Usage: deploy/check-newcomer.sh   (as root; `make check-newcomer` runs it). Needs: debootstrap, util-linux,
# iproute2, git, python3. Work folder: .build-newcomer/ (the machine, remade every run, and the logs).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${EVSERVE_NEWCOMER_WORK:-$repo/.build-newcomer}
base=${EVSERVE_IMAGE_WORK:-$repo/.build-image}/minbase
root=$work/root
say() { printf '[check-newcomer] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mounts, unshare)"

# Every mount below lives in this private namespace: the kernel drops them all when the script ends, and the
# host never sees them, so removing an old machine's folder can never reach through a mount into host files.
if [ -z "${CHECK_NEWCOMER_IN_NAMESPACE:-}" ]; then
    exec unshare --mount --propagation private env CHECK_NEWCOMER_IN_NAMESPACE=1 bash "$0" "$@"
fi

# swift.org's Linux install guide, "Installation via Tarball", Debian 12
# (https://www.swift.org/install/linux/tarball/): its `apt install` list, word for word; plus git and make.
SWIFT_ORG_DEBIAN_12=(binutils-gold gcc git libcurl4-openssl-dev libedit-dev libicu-dev libncurses-dev
    libpython3-dev libsqlite3-dev libxml2-dev pkg-config tzdata uuid-dev)
NEWCOMER_PACKAGES=("${SWIFT_ORG_DEBIAN_12[@]}" git make)

# --- What the host lends the machine: toolchain, commit, git and pip configuration. ------------------------
swift_path=$(command -v swift) || fail "no swift on PATH"
# The toolchain root holds usr/bin/swift; `swift` may be a symlink into it (to swift-driver, in usr/bin).
toolchain=$(cd "$(dirname "$(readlink -f "$swift_path")")/../.." && pwd)
[ -x "$toolchain/usr/bin/swift" ] || fail "no toolchain around $swift_path (expected $toolchain/usr/bin/swift)"
commit=$(git -C "$repo" rev-parse HEAD)
origin=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] \
    || say "note: uncommitted changes in $repo are not part of the check (it clones $commit)"

# Git configuration the clone and SwiftPM use (url.<local folder>.insteadOf rewrites to a package mirror).
git_files=() git_folders=()
for f in /etc/gitconfig "$HOME/.gitconfig" "${XDG_CONFIG_HOME:-$HOME/.config}/git/config"; do
    [ -f "$f" ] && git_files+=("$f")
done
while read -r key _; do
    folder=${key#url.}; folder=${folder%.insteadof}
    [[ "$folder" == /* ]] && [ -d "$folder" ] && git_folders+=("$folder")
done < <(cd / && git config --get-regexp '^url\..*\.insteadof$' | sort -u -k1,1 || true)

# pip configuration: its files, the PIP_* environment, and local folders they name (find-links).
pip_files=() pip_env=()
for f in /etc/pip.conf /etc/xdg/pip/pip.conf "$HOME/.pip/pip.conf" "${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf" \
         ${PIP_CONFIG_FILE:-}; do
    [ -f "$f" ] && pip_files+=("$f")
done
while IFS= read -r -d '' assignment; do
    [[ "$assignment" == PIP_* ]] && pip_env+=("$assignment")
done < <(env -0)
pip_setting() {  # $1 = a pip option (find-links, cert); prints its values: config files in pip's order, then PIP_*
    python3 - "$1" "${pip_files[@]}" <<'PY'
import configparser, os, sys
option, values = sys.argv[1], []
for path in sys.argv[2:]:
    parser = configparser.ConfigParser()
    parser.read(path)
    values += [parser[s][option] for s in parser.sections() if option in parser[s]]
values += [os.environ.get("PIP_" + option.upper().replace("-", "_"), "")]
print("\n".join(w for v in values for w in v.split()))
PY
}
mapfile -t pip_folders < <(pip_setting find-links | while read -r w; do [[ "$w" == /* ]] && [ -d "$w" ] && echo "$w"; done | sort -u)
# The CA bundle pip is told to trust (here it holds the certificate of the proxy in front of PyPI). The
# machine's own bundle at that path is Debian's, kept by ca-certificates (a mount over it would break its
# updates), so the host's file is lent at a path of its own and PIP_CERT names it: the last value wins.
pip_cert=$(pip_setting cert | tail -1)
if [ -n "$pip_cert" ]; then
    [ -f "$pip_cert" ] || fail "pip's cert $pip_cert is not a file"
    kept=()
    for assignment in "${pip_env[@]}"; do [[ "$assignment" == PIP_CERT=* ]] || kept+=("$assignment"); done
    pip_env=("${kept[@]}" PIP_CERT=/run/check-newcomer/pip-cert.pem)
fi

inside_path() {  # $1 = a host path; where the machine sees it ($HOME is root's home there)
    case "$1" in "$HOME"/*) echo "/root/${1#"$HOME"/}" ;; *) echo "$1" ;; esac
}

# --- Mounts and clean-up. ------------------------------------------------------------------------------------
mounted=()
mount_at() {  # $1 = mount options, $2 = source, $3 = path inside the machine
    local target=$root$3
    if [ -f "$2" ]; then mkdir -p "$(dirname "$target")"; touch "$target"; else mkdir -p "$target"; fi
    mount $1 "$2" "$target"
    mounted+=("$target")
}
cleanup() {
    local status=$? pid
    # Whatever this run left running in the machine (a server, an apt helper, check-image's image inside):
    # its root is the machine's folder or one below it. A process may exit while we read: skip it.
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        case "$(readlink "/proc/$pid/root" 2>/dev/null)" in
            "$root" | "$root"/*) kill -KILL "$pid" 2>/dev/null || true ;;
        esac
    done
    for (( i=${#mounted[@]}-1; i>=0; i-- )); do
        umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null || true
    done
    exit $status
}
trap cleanup EXIT
timing=()
phase_start() { phase_started=$SECONDS; say "$1"; }
phase_end() { timing+=("$1 $((SECONDS - phase_started)) s"); say "$1 took $((SECONDS - phase_started)) s"; }
stamped() { while IFS= read -r line; do printf '%(%T)T %s\n' -1 "$line"; done; }  # where a run's time goes
in_machine() {  # a command in the machine, with a newcomer's login environment plus the host's pip settings
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb "${pip_env[@]}" \
        PATH="$toolchain/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
}

# --- 1. The machine: a copy of the debootstrapped base. ------------------------------------------------------
phase_start "debootstrap base ($base)"
bash "$repo/deploy/debootstrap-base.sh" "$base"
mkdir -p "$work"
rm -rf "$root"
cp -a "$base" "$root"
rm -f "$root/.complete"
mount_at "-t proc" proc /proc
mount_at "-t sysfs -o ro" sysfs /sys
mount_at --rbind /dev /dev
mount_at "-o bind,ro" /etc/resolv.conf /etc/resolv.conf
phase_end "base"

# --- 2. swift.org's package list, plus git and make. ---------------------------------------------------------
phase_start "apt-get install ${NEWCOMER_PACKAGES[*]}"
in_machine sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${NEWCOMER_PACKAGES[*]}" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; fail "apt-get in the machine (log: $work/apt.log)"; }
phase_end "apt (swift.org's list)"

# --- 3. The host's toolchain and configuration, read-only at the same paths. ---------------------------------
mount_at "-o bind,ro" "$toolchain" "$toolchain"
for f in "${git_files[@]}" "${pip_files[@]}"; do mount_at "-o bind,ro" "$f" "$(inside_path "$f")"; done
for d in "${git_folders[@]}" "${pip_folders[@]}"; do mount_at "-o bind,ro" "$d" "$d"; done
[ -z "${pip_cert:-}" ] || mount_at "-o bind,ro" "$pip_cert" /run/check-newcomer/pip-cert.pem
mount_at "-o bind,ro" "$origin" /mnt/evserve-origin
say "lent read-only: toolchain $toolchain; git ${git_files[*]:-(none)} ${git_folders[*]:-}; pip ${pip_files[*]:-(none)} ${pip_folders[*]:-} ${pip_cert:-}; ${pip_env[*]:-}"
in_machine swift --version >&2

# --- 4. The clone, and the README's `make test`. -------------------------------------------------------------
# HEAD may be on no branch (a CI checkout of a bare commit): fetch that very commit, by its id.
in_machine git clone -q --no-local --no-checkout /mnt/evserve-origin /root/evserve
in_machine git -C /root/evserve fetch -q --upload-pack="git -c uploadpack.allowAnySHA1InWant=true upload-pack" \
    origin "$commit"
in_machine git -C /root/evserve checkout -q --detach "$commit"
phase_start "make test in the clone of $commit (log: $work/make-test.log, each line with the time it came)"
in_machine sh -c 'cd /root/evserve && make test' 2>&1 | stamped >"$work/make-test.log" \
    || { tail -60 "$work/make-test.log" >&2; fail "make test (log: $work/make-test.log)"; }
grep -E "Test run with .* passed|[0-9]+ passed|\[check-image\] PASS" "$work/make-test.log" >&2 || true
phase_end "make test"

# --- 5. `make run`, then GET / and POST /predict, then SIGTERM. ----------------------------------------------
# In a network namespace of its own (loopback only): port 8000 is the README's, whatever the host runs.
# The requests, made by the machine's own python3 (make test installed it): $1 is make's pid.
cat >"$work/requests.py" <<'PY'
import csv, json, math, os, sys, time, urllib.error, urllib.request
group, base = int(sys.argv[1]), "http://127.0.0.1:8000"
deadline = time.monotonic() + 1200
while True:
    try:
        os.kill(group, 0)
    except ProcessLookupError:
        sys.exit("make run exited")
    try:
        with urllib.request.urlopen(base + "/", timeout=10) as response:
            status, body = response.status, json.load(response)
            break
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        if time.monotonic() > deadline:
            sys.exit("nothing served on 127.0.0.1:8000 within 20 minutes")
        time.sleep(1)
assert status == 200 and isinstance(body, str) and body.startswith("Serving a ") and "evserve" in body, (status, body)
# The built-in model trains once the socket is up (/predict and /readyz answer 503 meanwhile): wait for /readyz.
ready_by = time.monotonic() + 300
while True:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=10) as response:
            if response.status == 200:
                break
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass
    if time.monotonic() > ready_by:
        sys.exit("/readyz did not answer 200 within 5 minutes of GET /")
    time.sleep(0.2)
# The first training row, and scikit-learn's prediction for it (the fixture check-image also compares with).
row = next(csv.DictReader(open("/root/evserve/Tests/InferenceTests/Fixtures/check_rows.csv")))
features = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"]
request = urllib.request.Request(base + "/predict", data=json.dumps({"X": [[float(row[f]) for f in features]]}).encode(),
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    assert response.status == 200, response.status
    answer = json.load(response)
(y,) = answer["y"]
expected = float(row["gbr"])
assert math.isfinite(y) and abs(y - expected) <= 1e-9, (answer, expected)
print(f"[check-newcomer] GET / -> 200 {body!r}; POST /predict -> 200 {answer} (scikit-learn: {expected!r})", file=sys.stderr)
PY
phase_start "make run in a loopback-only network namespace (log: $work/make-run.log)"
export root toolchain work
export -f in_machine say fail
unshare --net --fork bash -euo pipefail -c '
    ip link set lo up
    set -m  # job control: `make run` and everything it starts get a process group of their own
    in_machine sh -c "cd /root/evserve && exec make run" >"$work/make-run.log" 2>&1 &
    group=$!
    trap "kill -KILL -- -$group 2>/dev/null || true" EXIT
    # The release build comes first, then the server: requests.py waits for GET / while make runs (bounded).
    in_machine python3 - "$group" <"$work/requests.py" \
        || { tail -30 "$work/make-run.log" >&2; fail "make run did not serve / and /predict"; }
    kill -TERM -- -$group
    for _ in $(seq 400); do kill -0 -- -$group 2>/dev/null || break; sleep 0.1; done
    ! kill -0 -- -$group 2>/dev/null || fail "make run still running 40 s after SIGTERM"
'
grep -m1 "listening on" "$work/make-run.log" >&2 || true
phase_end "make run"

# --- 6. The soak with faults, on the release build `make run` made (tests/soak.mk). --------------------------
# Two minutes of mixed load, reloads and faults on loopback; in its own network namespace like `make run`.
phase_start "make soak DURATION=2m (log: $work/make-soak.log)"
# Its packages (nginx, wrk for the failover fault) first, with the network; the soak itself without.
in_machine sh -c "cd /root/evserve && make soak-deps" >"$work/make-soak-deps.log" 2>&1 \
    || { tail -20 "$work/make-soak-deps.log" >&2; fail "make soak-deps"; }
unshare --net --fork bash -euo pipefail -c '
    ip link set lo up
    in_machine sh -c "cd /root/evserve && make soak DURATION=2m EVSERVE_BIN=/root/evserve/.build/release/evserve"
' >"$work/make-soak.log" 2>&1 || { tail -40 "$work/make-soak.log" >&2; fail "make soak (log: $work/make-soak.log)"; }
grep -E "PASS|FAIL" "$work/make-soak.log" | tail -3 >&2 || true
phase_end "make soak"

say "times: ${timing[*]/%/;}"
say "PASS: on a stock Debian 12 with swift.org's packages, git and make, \`make test\` passed, \`make run\` served / and /predict, and \`make soak\` passed"
