#!/bin/sh
# Installs, on Debian 12, every package the build and the tests need, and
# only those that are missing.  Run as root (make deps).
set -eu

# build
pkgs="gcc make pkg-config libarchive-dev zlib1g-dev libssl-dev
libjansson-dev libyaml-dev libcurl4-openssl-dev libcmocka-dev"
# tests: the real registry, independent clients, helpers
pkgs="$pkgs docker-registry skopeo umoci jq openssl apache2-utils python3
curl ca-certificates procps python3-yaml python3-cryptography python3-nacl"
# docs: the man pages' linter (tests/cli/check-docs.sh); the shells whose
# completions are checked there
pkgs="$pkgs mandoc bash-completion zsh"
# the Debian package (make deb, tests/deb/check-deb.sh)
pkgs="$pkgs dpkg-dev fakeroot lintian man-db"
# benchmark and fuzzing
pkgs="$pkgs hyperfine pigz time clang libclang-rt-14-dev valgrind"

missing=
for p in $pkgs; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: error: missing packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The Debian package may start a registry on :5000; the tests start their
# own on free ports and need none running.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
echo "deps: done"
