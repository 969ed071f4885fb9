#!/bin/bash
# check-deb.sh VERSION: checks the Debian package make deb built
# (make deb-check, run by make check):
#
#   lintian      no error (warnings and notes are printed);
#   contents     the binaries, man pages, bash and zsh completions, in
#                Debian's places; Depends names the runtime libraries;
#   depends      dpkg, against this machine's package database, would
#                install it (every dependency is there);
#   install      dpkg -i into a scratch root (its own dpkg database; with
#                DEB_CHECK_ROOT=/ the machine itself), then cnab-inspect
#                --version runs, man renders cnab-publish-archive(1),
#                bash and zsh load the completions;
#   remove       dpkg -r takes away every file it installed.
#
# Prints an "ok" or "FAIL" line per check; exits 1 when one failed,
# keeping its files under tests/tmp/deb.
set -u
version=${1:?usage: check-deb.sh VERSION}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$top/tests/tmp/deb
arch=$(dpkg --print-architecture)
deb=$top/build/deb/cnab-tools_${version}_$arch.deb
root=${DEB_CHECK_ROOT:-$tmp/root}
tools="cnab-archive cnab-publish-archive cnab-relocate cnab-inspect"
failed=

ok() { echo "ok   $1"; }
fail() {
	echo "FAIL $1"
	failed="$failed $1"
}
detail() { sed 's/^/    /'; }

for t in lintian dpkg man zsh bash; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "FAIL $t not found: run 'make deps' (as root)"
		exit 1
	fi
done
if [ ! -f "$deb" ]; then
	echo "FAIL $deb not found: run 'make deb'"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL dpkg -i needs root: run make deb-check as root"
	exit 1
fi
rm -rf "$tmp"
mkdir -p "$tmp"

# ------------------------------------------------------------ lintian
lintian --tag-display-limit 0 -I "$deb" >"$tmp/lintian" 2>&1
grep -v 'running with root privileges' "$tmp/lintian" >"$tmp/lintian.tags"
if grep -q '^E: ' "$tmp/lintian.tags"; then
	detail <"$tmp/lintian.tags"
	fail "lintian: errors"
else
	[ -s "$tmp/lintian.tags" ] && detail <"$tmp/lintian.tags"
	nw=$(grep -c '^W: ' "$tmp/lintian.tags")
	ni=$(grep -c '^I: ' "$tmp/lintian.tags")
	ok "lintian: no error ($nw warnings, $ni notes)"
fi

# ------------------------------------------------------------ contents
want="/usr/share/man/man5/cnab-archive.5.gz
/usr/share/doc/cnab-tools/copyright
/usr/share/doc/cnab-tools/changelog.gz
/usr/share/zsh/vendor-completions/_cnab-tools"
for t in $tools; do
	want="$want
/usr/bin/$t
/usr/share/man/man1/$t.1.gz
/usr/share/bash-completion/completions/$t"
done
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print substr($6, 2) }' |
	sort >"$tmp/contents"
depends=$(dpkg-deb -f "$deb" Depends)
bad=
if ! diff <(sort <<<"$want") "$tmp/contents" >"$tmp/contents.diff"; then
	echo "the package holds (>) other files than (<):" | detail
	detail <"$tmp/contents.diff"
	bad=1
fi
for lib in libarchive13 libcurl4 libjansson4 libssl3 libyaml-0-2 zlib1g \
	libc6; do
	case ", $depends" in
	*", $lib "* | *", $lib,"* | *", $lib") ;;
	*)
		echo "Depends lacks $lib: $depends" | detail
		bad=1
		;;
	esac
done
[ -z "$bad" ] && ok "contents: $(wc -l <"$tmp/contents") files; Depends: $depends"
[ -n "$bad" ] && fail "contents"

# ------------------------------------------------------------ depends
if dpkg --no-act -i "$deb" >"$tmp/noact" 2>&1; then
	ok "depends: dpkg would install it here"
else
	detail <"$tmp/noact"
	fail "depends"
fi

# ------------------------------------------------------------ install
# dpkg options for the root: a scratch root has its own database, and
# the machine's libraries (same machine) stand for its dependencies
dpkg_root=()
if [ "$root" != / ]; then
	mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
	: >"$root/var/lib/dpkg/status"
	: >"$root/var/lib/dpkg/available"
	dpkg_root=(--root="$root" --force-depends --force-script-chrootless)
elif dpkg-query -W cnab-tools >/dev/null 2>&1; then
	echo "FAIL cnab-tools is installed already on this machine: not" \
		"touching it"
	exit 1
fi
r=${root%/}
bad=
if ! dpkg "${dpkg_root[@]}" -i "$deb" >"$tmp/install" 2>&1; then
	echo "dpkg -i failed:" | detail
	detail <"$tmp/install"
	bad=1
fi
out=$("$r/usr/bin/cnab-inspect" --version 2>&1)
case $out in
"cnab-inspect (cnab-tools) $version"*) ;;
*)
	echo "cnab-inspect --version printed: $out" | detail
	bad=1
	;;
esac
MANPAGER=cat MANWIDTH=80 man -l \
	"$r/usr/share/man/man1/cnab-publish-archive.1.gz" >"$tmp/man" \
	2>"$tmp/man.err"
if ! grep -q 'cnab-publish-archive' "$tmp/man" ||
	! grep -q 'ENVIRONMENT' "$tmp/man" || [ -s "$tmp/man.err" ]; then
	echo "man does not render cnab-publish-archive(1):" | detail
	detail <"$tmp/man.err"
	bad=1
fi
if ! bash -c 'source "$1" && complete -p cnab-inspect' sh \
	"$r/usr/share/bash-completion/completions/cnab-inspect" \
	>/dev/null 2>&1; then
	echo "bash does not load the installed completion" | detail
	bad=1
fi
# shellcheck disable=SC2016
if ! zsh -f -c 'fpath=($1 $fpath); autoload -Uz compinit;
	compinit -u -d $2; [[ $_comps[cnab-relocate] == _cnab-tools ]]' zsh \
	"$r/usr/share/zsh/vendor-completions" "$tmp/zcompdump" \
	>/dev/null 2>&1; then
	echo "zsh's compinit does not find the installed completion" | detail
	bad=1
fi
if [ -z "$bad" ]; then
	ok "install: dpkg -i into $root; cnab-inspect --version, man
     cnab-publish-archive, the bash and zsh completions work"
else
	fail "install"
fi

# ------------------------------------------------------------ remove
dpkg "${dpkg_root[@]}" -L cnab-tools 2>/dev/null >"$tmp/listed"
if ! dpkg "${dpkg_root[@]}" -r cnab-tools >"$tmp/remove" 2>&1; then
	detail <"$tmp/remove"
	fail "remove: dpkg -r failed"
else
	# (no conffiles: nothing is left for --purge but the database entry)
	dpkg "${dpkg_root[@]}" --purge cnab-tools >>"$tmp/remove" 2>&1
	left=
	while IFS= read -r f; do
		[ -d "$r$f" ] && continue
		[ -e "$r$f" ] || [ -L "$r$f" ] && left="$left $f"
	done <"$tmp/listed"
	if [ "$root" != / ]; then
		left="$left$(cd "$root" && find . -path ./var -prune -o \
			! -type d -printf ' %P')"
	fi
	if [ -n "$left" ]; then
		echo "left after dpkg -r:$left" | detail
		fail "remove"
	else
		ok "remove: dpkg -r took away all $(grep -c . "$tmp/listed") paths"
	fi
fi

if [ -n "$failed" ]; then
	echo "check-deb: failed:$failed (kept in $tmp)"
	exit 1
fi
rm -rf "$tmp"
echo "check-deb: all passed"
