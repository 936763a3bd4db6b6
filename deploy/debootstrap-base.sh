#!/usr/bin/env bash
# A minimal Debian 12 (debootstrap --variant=minbase bookworm, what debian:bookworm-slim is made from) in a
# folder, made once and reused: the base that check-image's image and check-newcomer's stock machine copy.
# Usage: deploy/debootstrap-base.sh FOLDER   (as root; needs debootstrap and python3). FOLDER/.complete marks
# a finished base; a folder without it is made again from nothing. Prints how long debootstrap took.
set -euo pipefail

base=${1:?usage: deploy/debootstrap-base.sh FOLDER}
say() { printf '[debootstrap-base] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[ -e "$base/.complete" ] && exit 0
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"

debian_mirror() {  # $@ = apt source files; prints the URI this host uses for bookworm
    python3 - "$@" <<'PY'
import re, sys
for path in sys.argv[1:]:
    try:
        text = open(path).read()
    except OSError:
        continue
    # deb822: the URIs of the stanza whose Suites include plain "bookworm"; one-line: "deb URI bookworm ..."
    for stanza in text.split("\n\n"):
        uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
        suites = re.search(r"^Suites:(.*)$", stanza, re.M)
        if uris and suites and "bookworm" in suites.group(1).split():
            print(uris.group(1)); sys.exit()
    m = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.M)
    if m:
        print(m.group(1)); sys.exit()
sys.exit("no bookworm source in the host's apt configuration")
PY
}

# From the mirror this machine's apt already uses.
host_sources=/etc/apt/sources.list.d/debian.sources
mirror=$(debian_mirror "$host_sources" /etc/apt/sources.list)
rm -rf "$base"
mkdir -p "$(dirname "$base")"
log=$base.debootstrap.log
say "debootstrap --variant=minbase bookworm into $base (once; reused afterwards)"
start=$SECONDS
debootstrap --variant=minbase bookworm "$base" "$mirror" >"$log" 2>&1 \
    || { tail -20 "$log" >&2; fail "debootstrap failed (log: $log)"; }
# bookworm-slim's apt sources are deb822 (bookworm, -updates, -security), as this host's are.
if [ -e "$host_sources" ]; then
    rm -f "$base/etc/apt/sources.list"
    cp "$host_sources" "$base/etc/apt/sources.list.d/debian.sources"
fi
# Like the Docker image: no downloaded .deb files. And every package marked automatic, so that
# afterwards `apt-mark showmanual` lists exactly what was asked for on top of the base.
chroot "$base" apt-get clean
chroot "$base" sh -c 'apt-mark auto $(apt-mark showmanual) >/dev/null'
touch "$base/.complete"
say "debootstrap took $((SECONDS - start)) s"
