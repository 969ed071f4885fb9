# bash completion for cnab-tools: cnab-archive, cnab-publish-archive,
# cnab-relocate and cnab-inspect.
#
# Source it, or install it under each tool's name in bash-completion's
# completions directory (make install does).  It needs only bash; when
# bash-completion's _filedir is there, files are completed with it.
#
# The options are those each tool's --help lists (tests/cli/check-docs.sh
# checks that they agree).

# Options every tool takes.
_cnab_tools_common='-h --help --version -q --quiet -v --verbose
	--insecure-registry --authfile --cert-dir --timeout'

# _cnab_tools_options TOOL: the options TOOL takes besides the common ones.
_cnab_tools_options()
{
	case $1 in
	cnab-archive)
		echo '-f --file -r --ref --reference -j --jobs -o --output --layout
			--fallback-registry --no-attachments --compression --split-size
			--base' ;;
	cnab-publish-archive)
		echo '-a --archive -t --tag --reference -j --jobs --force
			--relocation-mapping --dry-run --offline --no-attachments
			--base-tag --spool -o --output' ;;
	cnab-relocate)
		echo '-f --file -j --jobs --force --relocation-mapping
			--dry-run --offline --no-attachments -o --output' ;;
	cnab-inspect)
		echo '-f --file -a --archive -r --ref --reference -j --jobs -o --output
			--raw --verify --key --relocation-mapping --base' ;;
	esac
}

# _cnab_tools_argkind TOOL OPTION: what OPTION's argument is, or nothing
# when OPTION takes none: archive (.tgz, .tar, .000), bundle (bundle.json,
# porter.yaml), json, key (.pub), dir, output, level, jobs or text.
_cnab_tools_argkind()
{
	case $2 in
	-f | --file)
		echo bundle ;;
	-a | --archive | --base)
		echo archive ;;
	--authfile | --relocation-mapping)
		echo json ;;
	--key)
		echo key ;;
	--layout | --cert-dir)
		echo dir ;;
	-o | --output)
		echo output ;;
	--compression)
		echo level ;;
	-j | --jobs)
		echo jobs ;;
	-r | --ref | -t | --tag | --reference | --insecure-registry | --timeout | \
		--split-size | --base-tag | --spool)
		echo text ;;
	esac
}

# _cnab_tools_files EXT CUR: sets COMPREPLY to the files named *.EXT (an
# extglob pattern) and the directories that start with CUR.
_cnab_tools_files()
{
	if declare -F _filedir >/dev/null 2>&1; then
		cur=$2 _filedir "$1"
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(
			shopt -s extglob
			compgen -f -X "!*.$1" -- "$2"
			compgen -d -- "$2"
		)
	fi
}

# _cnab_tools_values TOOL KIND CUR: sets COMPREPLY to the values of KIND
# that start with CUR.
_cnab_tools_values()
{
	local formats
	case $2 in
	archive)
		# (NAME.000: the first volume of a split archive)
		_cnab_tools_files '@(tgz|tar|tar.gz|000)' "$3"
		;;
	bundle)
		_cnab_tools_files '@(json|yaml|yml)' "$3"
		;;
	json)
		_cnab_tools_files json "$3"
		;;
	key)
		_cnab_tools_files pub "$3"
		;;
	dir)
		if declare -F _filedir >/dev/null 2>&1; then
			cur=$3 _filedir -d
		else
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$3")
		fi
		;;
	output)
		case $1 in
		cnab-inspect) formats='table json yaml' ;;
		*) formats='plain json' ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$formats" -- "$3")
		;;
	level)
		mapfile -t COMPREPLY < <(compgen -W '0 1 2 3 4 5 6 7 8 9' \
			-- "$3")
		;;
	jobs)
		mapfile -t COMPREPLY < <(compgen -W "$(echo {1..32})" -- "$3")
		;;
	*)
		COMPREPLY=() # a reference or a host: nothing to offer
		;;
	esac
}

_cnab_tools()
{
	local tool=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]}
	local prev='' opt='' kind i word dashdash=''
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# --opt=VALUE, whether or not COMP_WORDBREAKS split it at the '='
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		kind=$(_cnab_tools_argkind "$tool" "$opt")
		if [[ -n $kind ]]; then
			_cnab_tools_values "$tool" "$kind" "${cur#*=}"
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]=$opt=${COMPREPLY[i]}
			done
		fi
		return 0
	fi
	if [[ $cur == = && $prev == --* ]]; then
		opt=$prev
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)) &&
		[[ ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	else
		opt=$prev
	fi

	# the argument of an option that takes one
	kind=$(_cnab_tools_argkind "$tool" "$opt")
	if [[ -n $kind ]]; then
		_cnab_tools_values "$tool" "$kind" "$cur"
		return 0
	fi

	# after "--" only operands
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -- ]]; then
			dashdash=1
			break
		fi
	done

	if [[ -z $dashdash && $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
			"$(_cnab_tools_options "$tool") $_cnab_tools_common" \
			-- "$cur")
		return 0
	fi

	# operands: cnab-archive's ARCHIVE is an archive; cnab-relocate's SOURCE
	# and DEST are references; the others take options only
	case $tool in
	cnab-archive)
		_cnab_tools_values "$tool" archive "$cur"
		;;
	cnab-publish-archive | cnab-inspect)
		[[ -z $dashdash ]] && mapfile -t COMPREPLY < <(compgen -W \
			"$(_cnab_tools_options "$tool") $_cnab_tools_common" \
			-- "$cur")
		;;
	esac
	return 0
}

complete -F _cnab_tools cnab-archive cnab-publish-archive cnab-relocate \
	cnab-inspect
