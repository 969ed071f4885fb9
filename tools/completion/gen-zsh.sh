#!/bin/bash
# gen-zsh.sh TOOL...: writes on stdout the zsh completion of the tools
# (a #compdef file, installed as _cnab-tools), generated from each tool's
# --help, so that it offers exactly the options --help lists.
#
# Each option line of --help ("  -f, --file FILE  text", continued on the
# lines below) gives an _arguments spec; "alias --name" in its text adds
# the alias.  The argument's kind comes from its name and the option:
#   FILE of -a/--archive      .tgz, .tar and .tar.gz archives
#   FILE of -f/--file         bundle.json and porter.yaml (*.json, *.yaml,
#                             *.yml)
#   FILE of --authfile and --relocation-mapping   *.json
#   other FILE, DIR           files, directories
#   FORMAT                    the formats the text names
#   LEVEL, N                  0-9, 1-32
#   anything else (REF, HOST[:PORT])   nothing to offer
# A usage line ending in ARCHIVE makes the operand an archive.
set -eu
LC_ALL=C
export LC_ALL

archives='*.(tgz|tar|tar.gz)'
bundles='*.(json|yaml|yml)'
jsons='*.json'

# quote TEXT: TEXT for an _arguments description, in single quotes.
quote() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//[/\\[}
	s=${s//]/\\]}
	s=${s//:/\\:}
	s=${s//\'/\'\\\'\'}
	printf '%s' "$s"
}

# action NAMES ARG TEXT: the _arguments action for an option's argument.
action() {
	local names=" $1 " arg=$2 text=$3 f
	case $arg in
	FILE)
		case $names in
		*" --archive "*) printf '_files -g "%s"' "$archives" ;;
		*" --file "*) printf '_files -g "%s"' "$bundles" ;;
		*" --authfile "* | *" --relocation-mapping "*)
			printf '_files -g "%s"' "$jsons" ;;
		*) printf '_files' ;;
		esac
		;;
	DIR) printf '_files -/' ;;
	FORMAT)
		f=$(grep -oE '\b(plain|table|json|yaml)\b' <<<"$text" |
			awk '!seen[$0]++' | tr '\n' ' ')
		printf '(%s)' "${f% }"
		;;
	LEVEL) printf '(0 1 2 3 4 5 6 7 8 9)' ;;
	N) printf '(%s)' "$(seq -s ' ' 1 32)" ;;
	*) printf ' ' ;;
	esac
}

# spec NAMES ARG TEXT: the _arguments lines for one option (and aliases).
spec() {
	local names=$1 arg=$2 text=$3 n excl star='' out='' a
	excl="(${names})"
	case $names in
	*--help* | *--version*) excl='(- *)' ;;
	esac
	case "$text $names" in
	*repeatable* | *--insecure-registry*)
		star='*'
		excl=''
		;;
	esac
	a=$(action "$names" "$arg" "$text")
	for n in $names; do
		out="$out$(printf "'%s%s%s" "$(quote "$excl")" "$star" "$n")"
		if [ -n "$arg" ]; then
			case $n in
			--*) out="$out=" ;;
			*) out="$out+" ;;
			esac
		fi
		out="$out[$(quote "$text")]"
		[ -z "$arg" ] || out="$out:$(quote "$arg"):${a//\'/\'\\\'\'}"
		out="$out'"$'\n'
	done
	printf '%s' "$out"
}

# The specs of one tool, from its --help on stdin.
tool_specs() {
	local line names='' arg='' text='' first usage
	local re='^(  -[A-Za-z], |      )(--[a-z][a-z-]*)( ([A-Z][][A-Z:]*))?( +(.*))?$'
	flush() {
		[ -n "$names" ] || return 0
		local alias
		alias=$(grep -oE 'alias --[a-z-]+' <<<"$text" | cut -c7- || true)
		spec "$names${alias:+ $alias}" "$arg" "$(first_sentence "$text")"
		names=''
	}
	first_sentence() {
		local s=$1
		s=${s%% (alias*}
		printf '%s' "$s"
	}
	IFS= read -r usage
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			flush
			first=${BASH_REMATCH[1]}
			names=${BASH_REMATCH[2]}
			arg=${BASH_REMATCH[4]}
			text=${BASH_REMATCH[6]}
			if [[ $first == *-* ]]; then
				first=${first#  }
				names="${first%, } $names"
			fi
		elif [[ -n $names && $line =~ ^\ {20,}(.*)$ ]]; then
			text="${text:+$text }${BASH_REMATCH[1]}"
		else
			flush
		fi
	done
	flush
	case $usage in
	*" ARCHIVE")
		printf "'1:ARCHIVE:_files -g \"%s\"'\n" "$archives" ;;
	esac
}

cat <<'EOF'
#compdef cnab-archive cnab-publish-archive cnab-relocate cnab-inspect
# zsh completion for cnab-tools, generated from each tool's --help by
# tools/completion/gen-zsh.sh (make): do not edit.  Files are offered by
# type: archives (.tgz, .tar) for -a and cnab-archive's ARCHIVE,
# bundle.json and porter.yaml for -f, JSON files for --authfile and
# --relocation-mapping.

_cnab-tools() {
	local -a args
	case $service in
EOF
for t in "$@"; do
	name=${t##*/}
	printf '\t%s)\n\t\targs=(\n' "$name"
	"$t" --help | tool_specs | sed 's/^/\t\t\t/'
	printf '\t\t)\n\t\t;;\n'
done
cat <<'EOF'
	*) return 1 ;;
	esac
	_arguments -s -S : "${args[@]}"
}

_cnab-tools "$@"
EOF
