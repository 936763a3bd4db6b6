# `make check-newcomer`: the README's two commands as a newcomer meets them, on a stock Debian 12 (a
# debootstrapped folder with only swift.org's Debian 12 package list, git, make and this host's Swift
# toolchain): a clone of HEAD runs `make test`, then `make run` answers / and /predict. deploy/check-newcomer.sh;
# CI runs it (.ci/run). Its debootstrapped base is check-image's (.build-image/minbase), made once.
.PHONY: check-newcomer
check-newcomer:
	$(call apt_install,debootstrap util-linux iproute2 git python3)
	bash deploy/check-newcomer.sh
