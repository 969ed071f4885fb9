#!/bin/bash
# Checks the documentation against the tools:
#
#   options      the options each tool's --help lists are those its man page
#                documents (OPTIONS), its SYNOPSIS names nothing else and
#                names every option line of --help, and the tool accepts
#                each of them;
#   lint         every man page is clean under mandoc -T lint -W warning
#                (and man -l renders it without a warning, when man is here);
#   completion   tools/completion/cnab-tools.bash, sourced in bash (alone,
#                and after bash-completion) and called as bash calls it:
#                options (the same as --help), -o values, files by type
#                (archives, bundle.json and porter.yaml, JSON), directories,
#                levels, --opt=value;
#   zsh          build/completion/_cnab-tools (generated from --help) is
#                found by compinit for the four tools, offers the options
#                of --help, and files by the same types;
#   install      make install DESTDIR=... puts the tools, the pages and the
#                completions in place, make uninstall takes them all away.
#
# Run from make cli, after the build.  Prints an "ok" or "FAIL" line per
# check; exits 1 when one failed, keeping its files under tests/tmp/docs.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp="$top/tests/tmp/docs"
tools="cnab-archive cnab-publish-archive cnab-relocate cnab-inspect"
pages="tools/man/cnab-archive.1 tools/man/cnab-publish-archive.1
tools/man/cnab-relocate.1 tools/man/cnab-inspect.1 tools/man/cnab-archive.5"
completion="$top/tools/completion/cnab-tools.bash"
zcompletion="$top/build/completion/_cnab-tools"
failed=

ok() { echo "ok   $1"; }
fail() {
	echo "FAIL $1"
	failed="$failed $1"
}
# Indented details of a failure.
detail() { sed 's/^/    /'; }
# Lines as one line of words.
words() { tr '\n' ' ' | sed 's/ *$//'; }

rm -rf "$tmp"
mkdir -p "$tmp"
unset POSIXLY_CORRECT # the tools' getopt must permute, as users see it
export LC_ALL=C        # one sort order for comm

if ! command -v mandoc >/dev/null 2>&1; then
	echo "FAIL mandoc not found: run 'make deps' (as root)"
	exit 1
fi
for t in $tools; do
	if [ ! -x "$top/$t" ]; then
		echo "FAIL $t is not built: run 'make'"
		exit 1
	fi
done

# The option names in a text: -x and --long-name, where they start a word.
option_names() {
	grep -oE '(^|[][ (,|{])--?[A-Za-z][A-Za-z0-9-]*' |
		sed -E 's/^[][ (,|{]//' | sort -u
}

# A section of a rendered page, on one line per paragraph (no wrapping,
# so no option is cut at one of its hyphens).
section() { # PAGE NAME
	mandoc -T ascii -O width=1000 "$1" | sed 's/.\x08//g' |
		awk -v want="$2" '/^[A-Z]/ { on = ($0 == want); next } on'
}

# The option lines of --help: "  -f, --file FILE ..." or "      --raw ...".
option_lines() {
	grep -E '^(  -[A-Za-z]|      --[A-Za-z])'
}

# A value the option of an option line of --help accepts, when the line
# says it takes one (the word after the option names: FILE, LEVEL, N...).
value_for() { # OPTION-LINE
	local arg
	arg=$(printf '%s\n' "$1" | awk '{
		for (i = 1; i <= NF && $i ~ /^-/; i++)
			;
		if ($i ~ /^[A-Z][][A-Z:]*$/)
			print $i
	}')
	case $arg in
	'') ;;
	FORMAT) echo json ;; # every tool with -o takes json
	LEVEL) echo 6 ;;
	N) echo 1 ;;
	DIR) echo . ;; # --cert-dir must exist
	SECONDS) echo 5 ;;
	SIZE) echo 1M ;;
	*) echo x ;;
	esac
}

# ------------------------------------------------------------ options
for t in $tools; do
	d="$tmp/options/$t"
	mkdir -p "$d"
	page="$top/tools/man/$t.1"
	"$top/$t" --help >"$d/help.txt"
	option_names <"$d/help.txt" >"$d/help"
	section "$page" OPTIONS | option_names >"$d/options"
	section "$page" SYNOPSIS | option_names >"$d/synopsis"
	bad=

	if ! cmp -s "$d/help" "$d/options"; then
		{
			echo "$t --help (<) and $t.1 OPTIONS (>) differ:"
			diff "$d/help" "$d/options" | grep '^[<>]'
		} | detail
		bad=1
	fi
	extra=$(comm -13 "$d/help" "$d/synopsis")
	if [ -n "$extra" ]; then
		echo "$t.1 SYNOPSIS names options $t --help does not:" \
			"$(words <<<"$extra")" | detail
		bad=1
	fi
	while IFS= read -r line; do
		names=$(printf '%s\n' "$line" | awk '{ print $1, $2 }' |
			option_names)
		found=
		for n in $names; do
			grep -qxe "$n" "$d/synopsis" && found=1
		done
		if [ -z "$found" ]; then
			echo "$t.1 SYNOPSIS lacks $(words <<<"$names")" | detail
			bad=1
		fi
	done < <(option_lines <"$d/help.txt")

	# the tool takes every option its --help lists (what follows the
	# option, then --help: getopt permutes, so --help ends the run
	# with exit 0 once every option before it was accepted)
	while IFS= read -r line; do
		v=$(value_for "$line")
		for n in $(printf '%s\n' "$line" | awk '{ print $1, $2 }' |
			option_names); do
			case $n in -h | --help | --version) continue ;; esac
			# shellcheck disable=SC2086 # no value: no argument
			if ! "$top/$t" "$n" $v --help >"$d/run.out" \
				2>"$d/run.err" </dev/null ||
				! cmp -s "$d/run.out" "$d/help.txt"; then
				{
					echo "$t does not take the option" \
						"$n its --help lists:"
					cat "$d/run.err"
				} | detail
				bad=1
			fi
		done
	done < <(option_lines <"$d/help.txt")
	# aliases named in the text of --help, not on an option line
	for n in $(comm -23 "$d/help" \
		<(option_lines <"$d/help.txt" | awk '{ print $1, $2 }' |
			option_names)); do
		if ! "$top/$t" "$n" x --help >/dev/null 2>"$d/run.err" \
			</dev/null; then
			{
				echo "$t does not take the option $n its" \
					"--help names:"
				cat "$d/run.err"
			} | detail
			bad=1
		fi
	done

	if [ -z "$bad" ]; then
		ok "options $t: --help, man page and tool agree"
	else
		fail "options-$t"
	fi
done

# ------------------------------------------------------------ lint
for p in $pages; do
	name=$(basename "$p")
	out=$(mandoc -T lint -W warning "$top/$p" 2>&1)
	if command -v man >/dev/null 2>&1; then
		out="$out$(MANPAGER=cat MANWIDTH=80 man -l "$top/$p" 2>&1 \
			>/dev/null)"
	fi
	if [ -z "$out" ]; then
		ok "lint $name"
	else
		printf '%s\n' "$out" | detail
		fail "lint-$name"
	fi
done

# ------------------------------------------------------------ completion
# offer WORD...: what the completion offers for the last WORD, as bash
# calls it (COMP_WORDS, COMP_CWORD), one per line, in the order given.
d="$tmp/completion"
mkdir -p "$d/work/images" "$d/work/certs"
touch "$d/work/app.tgz" "$d/work/auth.json" "$d/work/bundle.json" \
	"$d/work/images.txt" "$d/work/app.tar" "$d/work/old.tar.gz" \
	"$d/work/porter.yaml"
cat >"$d/test.bash" <<'EOF'
# shellcheck disable=SC1090
if [[ -n $4 ]]; then
	source "$4" || exit 1
	declare -F _filedir >/dev/null || {
		echo "no _filedir in $4"
		exit 1
	}
fi
source "$1" || exit 1
offer() {
	local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
	local COMP_LINE="$*"
	local COMP_POINT=${#COMP_LINE}
	_cnab_tools
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort
	return 0
}
bad=0
expect() { # WANT WORD...: WANT is the sorted offer, space-separated
	local want=$1 got
	shift
	got=$(offer "$@" | tr '\n' ' ')
	got=${got% }
	if [[ $got != "$want" ]]; then
		echo "'$*<TAB>' offers '$got', expected '$want'"
		bad=1
	fi
}
expect_options() { # TOOL HELP-OPTIONS-FILE
	local got want
	got=$(offer "$1" - | sort -u)
	want=$(cat "$2")
	if [[ $got != "$want" ]]; then
		echo "'$1 -<TAB>' does not offer the options of $1 --help:"
		diff <(echo "$want") <(echo "$got") | grep '^[<>]'
		bad=1
	fi
}
for t in cnab-archive cnab-publish-archive cnab-relocate cnab-inspect; do
	[[ $(complete -p "$t") == *"-F _cnab_tools $t"* ]] || {
		echo "no completion registered for $t"
		bad=1
	}
	expect_options "$t" "$2/$t/help"
done
cd "$3" || exit 1
# -o values, per tool
expect "json table yaml" cnab-inspect -o ""
expect "json" cnab-inspect --output j
expect "json plain" cnab-publish-archive -o ""
expect "json plain" cnab-relocate --output ""
expect "json" cnab-relocate -o j
# levels and jobs
expect "0 1 2 3 4 5 6 7 8 9" cnab-archive --compression ""
expect "3 30 31 32" cnab-relocate -j 3
expect "2 20 21 22 23 24 25 26 27 28 29" cnab-relocate --jobs 2
# files by type, and directories
expect "app.tar app.tgz" cnab-publish-archive -a a
expect "app.tar app.tgz certs images old.tar.gz" cnab-inspect -a ""
expect "app.tgz" cnab-inspect --archive app.tg
expect "auth.json" cnab-inspect --authfile au
expect "auth.json bundle.json certs images" cnab-inspect --authfile ""
expect "bundle.json" cnab-archive -f b
expect "auth.json bundle.json certs images porter.yaml" cnab-inspect -f ""
expect "porter.yaml" cnab-relocate --file p
expect "images" cnab-publish-archive --relocation-mapping im
expect "images" cnab-archive --layout i
expect "certs" cnab-relocate --cert-dir c
expect "app.tar app.tgz" cnab-archive -f bundle.json a
expect "app.tar app.tgz certs images old.tar.gz" cnab-archive -f bundle.json ""
# --opt=value, split at '=' by bash or not
expect "auth.json" cnab-publish-archive --authfile = a
expect "--archive=app.tar --archive=app.tgz" cnab-inspect --archive=a
expect "json table yaml" cnab-inspect --output = ""
expect "--output=json --output=plain" cnab-relocate --output=
expect "--compression=7" cnab-archive --compression=7
expect "--layout=images" cnab-archive --layout=im
# options by prefix
expect "--reference --relocation-mapping" cnab-publish-archive --re
expect "--raw --ref --reference --relocation-mapping" cnab-inspect --r
expect "--cert-dir --compression" cnab-archive --c
expect "--dry-run" cnab-relocate --d
# nothing for references, hosts, or after --
expect "" cnab-relocate ""
expect "" cnab-relocate example.com/a/b:1 ""
expect "" cnab-inspect -r ""
expect "" cnab-publish-archive --tag ""
expect "" cnab-archive --insecure-registry ""
expect "" cnab-inspect -- -
exit $bad
EOF
bash_completion=/usr/share/bash-completion/bash_completion
for with in "" "$bash_completion"; do
	name="completion${with:+ with bash-completion}"
	if [ -n "$with" ] && [ ! -f "$with" ]; then
		echo "FAIL $name: $with not found: run 'make deps' (as root)"
		failed="$failed completion-bash-completion"
		continue
	fi
	if bash "$d/test.bash" "$completion" "$tmp/options" "$d/work" \
		"$with" >"$d/output" 2>&1; then
		ok "$name"
	else
		detail <"$d/output"
		fail "$name"
	fi
done

# ------------------------------------------------------------ zsh
# compinit finds the generated file for each tool; with _arguments
# replaced by a function that keeps its specs, each tool's specs name the
# options of its --help, and the file types' globs pick the right files.
d="$tmp/zsh"
mkdir -p "$d"
cat >"$d/test.zsh" <<'EOF'
emulate zsh
setopt extended_glob
comp=$1 opts=$2 work=$3 dump=$4
bad=0
fpath=(${comp:h} $fpath)
autoload -Uz compinit && compinit -u -d $dump
typeset -a specs
_arguments() { shift 3; specs=("$@") }
# the option names of specs: "(-f --file)-f+[...]:..." is -f
names() {
	local s n
	for s in "$@"; do
		s=${s#\(*\)}
		s=${s#\*}
		n=${s%%[\[+=:]*}
		[[ $n == -* ]] && print -r -- $n
	done
}
# the files "_files -g PATTERN" of a spec offers in the work directory
files_of() { # SPEC
	local p=${${1#*_files -g \"}%\"*}
	(cd $work && print -l -- ${~p}(N.) | sort | tr '\n' ' ')
}
want_files() { # WANT TOOL OPTION
	local s got=
	for s in $specs; do
		[[ $(names $s) == $3 ]] && got=$(files_of $s)
	done
	got=${got% }
	if [[ $got != $1 ]]; then
		print -r -- "zsh: '$2 $3 <TAB>' offers files '$got', expected '$1'"
		bad=1
	fi
}
for t in cnab-archive cnab-publish-archive cnab-relocate cnab-inspect; do
	if [[ $_comps[$t] != _cnab-tools ]]; then
		print -r -- "compinit does not complete $t with _cnab-tools"
		bad=1
	fi
	specs=()
	service=$t
	source $comp
	got=$(names $specs | sort -u)
	if [[ $got != "$(<$opts/$t/help)" ]]; then
		print -r -- "zsh: $t does not offer the options of its --help:"
		diff <(print -r -- "$(<$opts/$t/help)") <(print -r -- $got)
		bad=1
	fi
	case $t in
	cnab-archive)
		want_files "auth.json bundle.json porter.yaml" $t -f
		want_files "auth.json bundle.json porter.yaml" $t --file
		got=$(files_of ${(M)specs:#1:ARCHIVE:*})
		if [[ ${got% } != "app.tar app.tgz old.tar.gz" ]]; then
			print -r -- "zsh: cnab-archive's ARCHIVE offers '$got'"
			bad=1
		fi
		;;
	cnab-publish-archive)
		want_files "app.tar app.tgz old.tar.gz" $t -a
		want_files "app.tar app.tgz old.tar.gz" $t --archive
		want_files "auth.json bundle.json" $t --relocation-mapping
		;;
	cnab-inspect)
		want_files "app.tar app.tgz old.tar.gz" $t -a
		want_files "auth.json bundle.json porter.yaml" $t --file
		want_files "auth.json bundle.json" $t --authfile
		;;
	esac
done
exit $bad
EOF
if ! command -v zsh >/dev/null 2>&1; then
	echo "FAIL zsh not found: run 'make deps' (as root)"
	failed="$failed zsh"
elif [ ! -f "$zcompletion" ]; then
	echo "FAIL ${zcompletion#"$top"/} is not built: run 'make'"
	failed="$failed zsh"
elif zsh -f "$d/test.zsh" "$zcompletion" "$tmp/options" \
	"$tmp/completion/work" "$d/zcompdump" >"$d/output" 2>&1; then
	ok "zsh completion"
else
	detail <"$d/output"
	fail "zsh"
fi

# ------------------------------------------------------------ install
d="$tmp/install"
root="$d/root"
prefix=/usr/local
want="$prefix/share/man/man5/cnab-archive.5"
for t in $tools; do
	want="$want $prefix/bin/$t $prefix/share/man/man1/$t.1"
	want="$want $prefix/share/bash-completion/completions/$t"
done
want="$want $prefix/share/zsh/site-functions/_cnab-tools"
mkdir -p "$root"
bad=
if ! ${MAKE:-make} -C "$top" --no-print-directory install \
	PREFIX="$prefix" DESTDIR="$root" >"$d/install.out" 2>&1; then
	echo "make install failed:" | detail
	detail <"$d/install.out"
	bad=1
fi
for f in $want; do
	case $f in
	*/bin/*) src="$top/${f##*/}" ;;
	*/man?/*) src="$top/tools/man/${f##*/}" ;;
	*/_cnab-tools) src=$zcompletion ;;
	*) src=$completion ;;
	esac
	if [ ! -f "$root$f" ]; then
		echo "make install did not install $f" | detail
		bad=1
	elif ! cmp -s "$src" "$root$f"; then
		echo "$f is not ${src#"$top"/}" | detail
		bad=1
	fi
done
if [ -z "$bad" ] && command -v man >/dev/null 2>&1 &&
	! env MANPAGER=cat man -M "$root$prefix/share/man" 5 cnab-archive \
		2>/dev/null | grep -q 'thick bundle archive format'; then
	echo "man -M DIR 5 cnab-archive does not find the installed page" |
		detail
	bad=1
fi
if [ -z "$bad" ] && ! bash -c 'source "$1" && complete -p cnab-relocate' \
	sh "$root$prefix/share/bash-completion/completions/cnab-relocate" \
	>/dev/null 2>&1; then
	echo "the installed completion does not register cnab-relocate" |
		detail
	bad=1
fi
if ! ${MAKE:-make} -C "$top" --no-print-directory uninstall \
	PREFIX="$prefix" DESTDIR="$root" >"$d/uninstall.out" 2>&1; then
	echo "make uninstall failed:" | detail
	detail <"$d/uninstall.out"
	bad=1
fi
left=$(cd "$root" && find . ! -type d)
if [ -n "$left" ]; then
	echo "make uninstall left: $(words <<<"$left")" | detail
	bad=1
fi
if [ -z "$bad" ]; then
	ok "install and uninstall"
else
	fail "install"
fi

if [ -n "$failed" ]; then
	echo "check-docs: failed:$failed (kept in $tmp)"
	exit 1
fi
rm -rf "$tmp"
echo "check-docs: all passed"
