#!/bin/sh
# mkdeb.sh VERSION: builds build/deb/cnab-tools_VERSION_ARCH.deb (make deb).
#
# The sources (Makefile, common/, formats/, tools/) are copied to
# build/deb/src and built there with the Debian build flags
# (dpkg-buildflags: hardening), so the tree's own build is left alone;
# `make install PREFIX=/usr DESTDIR=...` stages the package, with the zsh
# completion in Debian's vendor-completions; the binaries are stripped,
# the man pages and the changelog compressed; dpkg-shlibdeps finds the
# runtime libraries for Depends; dpkg-deb builds the package, owned by
# root.  The dates come from the last commit, so the same tree gives the
# same package.
set -eu
version=${1:?usage: mkdeb.sh VERSION}
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/packaging/deb
out=$top/build/deb
pkg=cnab-tools
arch=$(dpkg --print-architecture)
deb=$out/${pkg}_${version}_$arch.deb
src=$out/src
stage=$out/stage
doc=$stage/usr/share/doc/$pkg

for t in dpkg-deb dpkg-shlibdeps dpkg-buildflags fakeroot; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "mkdeb: $t not found: run 'make deps' (as root)" >&2
		exit 1
	fi
done

rm -rf "$src" "$stage" "$deb"
mkdir -p "$src" "$stage"
cd "$top"
git ls-files -co --exclude-standard Makefile common formats tools |
	grep -E '^Makefile$|\.[ch]$|^tools/(man|completion)/' |
	tar -cf - -T - | tar -xf - -C "$src"

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null ||
	echo 0)}
export SOURCE_DATE_EPOCH
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
# (none of the calling make's variables, such as SANITIZE or DEVELOPER:
# the package is built as Debian builds it)
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE DEVELOPER PREFIX DESTDIR CC
# (the Makefile takes no CPPFLAGS: they go with CFLAGS; install builds
# with the same flags, else it would build again)
cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
make -C "$src" -j2 --no-print-directory CFLAGS="$cflags" LDFLAGS="$ldflags" \
	all >"$out/build.log" 2>&1 || {
	echo "mkdeb: the build failed (see $out/build.log)" >&2
	exit 1
}
make -C "$src" --no-print-directory CFLAGS="$cflags" LDFLAGS="$ldflags" \
	install PREFIX=/usr DESTDIR="$stage" \
	ZSHCOMPDIR=/usr/share/zsh/vendor-completions >>"$out/build.log" 2>&1

# Debian's places and forms
for b in "$stage"/usr/bin/*; do
	strip --remove-section=.comment --remove-section=.note \
		--strip-unneeded "$b"
done
gzip -9n "$stage"/usr/share/man/man1/*.1 "$stage"/usr/share/man/man5/*.5
mkdir -p "$doc"
cp "$here/copyright" "$doc/copyright"
date=$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "$here/changelog.in" |
	gzip -9n >"$doc/changelog.gz"

# control: Depends from the binaries' libraries
mkdir -p "$out/shlibs/debian" "$stage/DEBIAN"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" \
	>"$out/shlibs/debian/control"
set --
for b in "$stage"/usr/bin/*; do
	set -- "$@" "-e$b"
done
depends=$(cd "$out/shlibs" && dpkg-shlibdeps -O "$@" |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || {
	echo "mkdeb: dpkg-shlibdeps found no dependency" >&2
	exit 1
}
size=$(du -k -s --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
	-e "s/@DEPENDS@/$depends/" -e "s/@SIZE@/$size/" "$here/control.in" \
	>"$stage/DEBIAN/control"
(cd "$stage" && find usr -type f | LC_ALL=C sort | xargs md5sum) \
	>"$stage/DEBIAN/md5sums"

# modes as Debian wants them, the same whatever the umask
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage"/usr/bin/*
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "mkdeb: ${deb#"$top"/}"
