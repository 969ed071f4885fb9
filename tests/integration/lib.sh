#!/bin/bash
# tests/integration/lib.sh: the integration-test harness (bash, not POSIX sh).
#
# Sourced by every tests/integration/t-*.sh script:
#
#     #!/bin/bash
#     set -eu
#     . "$(dirname "$0")/lib.sh"
#     reg_start token src
#     require_tools cnab-inspect
#     d=$(fixture_image src app/web v1 --layers 2 --size 64K)
#     sk_inspect --raw "$(reg_ref src "app/web@$d")" >/dev/null
#     assert_exit 4 "$CNAB_BIN/cnab-inspect" $(cnab_opts src) -r "$src_HOST/no/such:v1"
#     assert_eq "$(count_requests src GET '^/v2/no/such/manifests/v1$' 404)" 1
#
# Sourcing it creates the test's own directory, $TEST_DIR
# (tests/tmp/integration/<script-name>/, removed when the script succeeds,
# kept and printed when it fails), points HOME, XDG_*, DOCKER_CONFIG and
# TMPDIR into it, and installs a trap (EXIT INT TERM HUP) that stops every
# registry and token issuer the script started.  Start registries in the
# script's main shell, never inside $(...) or a pipeline.  A script that
# needs its own clean-up registers it with at_exit (don't replace the trap).
#
# Registries (Distribution 2.8, `docker-registry`) run on 127.0.0.1 on free
# ports, one config, storage, PKI and log per registry under
# $TEST_DIR/reg/NAME/.  Credentials: testuser/testpass (everything) and
# pulluser/pullpass (pull only, token mode).
#
# Functions (details above each one):
#   registries  reg_start MODE NAME [opts], reg_stop NAME, reg_stop_all,
#               reg_proxy NAME [--rate-down B/s] [--rate-up B/s]
#               [--delay-ms MS [--connect-rtt]],
#               reg_restart NAME [--kill], reg_down NAME [--kill], reg_up NAME,
#               reg_pause NAME, reg_resume NAME, reg_ref NAME REPO[:TAG],
#               reg_curl NAME [opts] PATH, reg_token NAME [opts] SCOPE...
#   access log  reg_mark NAME, count_requests NAME METHOD PATH_RE [STATUS_RE],
#               reg_requests NAME, count_token_requests NAME [RE]
#   skopeo      sk ARGS, sk_copy [opts] SRC DST, sk_inspect [opts] REF,
#               sk_delete REF, skopeo_opts NAME [src|dest]
#   our tools   cnab_opts NAME..., require_tools TOOL...
#   fixtures    fixture_image NAME REPO TAG [opts],
#               fixture_index NAME REPO TAG [opts]
#   checks      assert_eq, assert_ne, assert_contains, assert_not_contains,
#               assert_match, assert_file, assert_exit CODE CMD..., run CMD...,
#               fail MSG, skip MSG
#   misc        note, step, at_exit CMD..., free_port, sha256_of FILE|-,
#               jwt_part TOKEN 1|2
# Variables: CNAB_TOP, TEST_NAME, TEST_DIR, TEST_CA, TEST_CERTDIR,
# AUTHFILE_ALL, REG_USER, REG_PASS, REG_PULL_USER, REG_PULL_PASS, and per
# registry NAME_HOST, NAME_URL, NAME_PID, NAME_LOG, NAME_CA, NAME_CERTDIR,
# NAME_AUTHFILE ... (see reg_start).
# Tunables: ITEST_TMP, ITEST_START_TIMEOUT (20), ITEST_STOP_TIMEOUT (10),
# ITEST_SKOPEO_TIMEOUT (300), ITEST_PYTHON.

if [ -n "${_ITEST_LIB_LOADED:-}" ]; then
	return 0
fi
_ITEST_LIB_LOADED=1

if [ -z "${BASH_VERSION:-}" ]; then
	echo "lib.sh: needs bash" >&2
	exit 2
fi

# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------

ITEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CNAB_TOP=${CNAB_TOP:-$(cd "$ITEST_LIB_DIR/../.." && pwd)}
# Where the tests take the tools from: CNAB_TOP, or with ITEST_VALGRIND=1
# wrappers running each under valgrind (a leak or a memory error is exit
# code 99, which no test expects).
CNAB_BIN=$CNAB_TOP
if [ "${ITEST_VALGRIND:-}" = 1 ]; then
	CNAB_BIN=${ITEST_TMP:-$CNAB_TOP/tests/tmp/integration}/valgrind-bin
	mkdir -p "$CNAB_BIN"
	for _t in cnab-archive cnab-inspect cnab-publish-archive cnab-relocate; do
		printf '#!/bin/sh\nexec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "%s/%s" "$@"\n' \
			"$CNAB_TOP" "$_t" >"$CNAB_BIN/$_t"
		chmod +x "$CNAB_BIN/$_t"
	done
	unset _t
fi
export CNAB_TOP CNAB_BIN

TEST_NAME=$(basename "$0" .sh)
ITEST_TMP=${ITEST_TMP:-$CNAB_TOP/tests/tmp/integration}
TEST_DIR=$ITEST_TMP/$TEST_NAME
ITEST_PIDFILE=$ITEST_TMP/$TEST_NAME.pids
export TEST_NAME TEST_DIR

# Timeouts, in seconds; the machine may be a busy 2-core box.
ITEST_START_TIMEOUT=${ITEST_START_TIMEOUT:-20}
ITEST_STOP_TIMEOUT=${ITEST_STOP_TIMEOUT:-10}
ITEST_SKOPEO_TIMEOUT=${ITEST_SKOPEO_TIMEOUT:-300}

REG_USER=testuser
REG_PASS=testpass
REG_PULL_USER=pulluser
REG_PULL_PASS=pullpass
export REG_USER REG_PASS REG_PULL_USER REG_PULL_PASS

# Resolved before HOME moves: a pyenv shim would look for ~/.pyenv.
if [ -z "${ITEST_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then
		ITEST_PYTHON=/usr/bin/python3
	else
		ITEST_PYTHON=$(command -v python3 || true)
	fi
fi

_itest_missing=
for _c in docker-registry skopeo jq openssl htpasswd curl tar gzip \
	sha256sum base64 "$ITEST_PYTHON"; do
	command -v "$_c" >/dev/null 2>&1 || _itest_missing="$_itest_missing $_c"
done
if [ -n "$_itest_missing" ]; then
	echo "lib.sh: missing commands:$_itest_missing (run 'make deps' as root)" >&2
	exit 1
fi
unset _c _itest_missing

rm -rf "$TEST_DIR" "$ITEST_PIDFILE"
mkdir -p "$TEST_DIR/home/.config/containers" "$TEST_DIR/home/.docker" \
	"$TEST_DIR/home/.local/share" "$TEST_DIR/home/.cache" "$TEST_DIR/tmp" \
	"$TEST_DIR/run" "$TEST_DIR/reg"
chmod 700 "$TEST_DIR/run"

# Nothing from the user's home, the machine's credentials or proxies.
export HOME=$TEST_DIR/home
export XDG_CONFIG_HOME=$HOME/.config
export XDG_DATA_HOME=$HOME/.local/share
export XDG_CACHE_HOME=$HOME/.cache
export XDG_RUNTIME_DIR=$TEST_DIR/run
export DOCKER_CONFIG=$HOME/.docker
export TMPDIR=$TEST_DIR/tmp
export CONTAINERS_REGISTRIES_CONF=$XDG_CONFIG_HOME/containers/registries.conf
export LC_ALL=C
unset REGISTRY_AUTH_FILE http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
	all_proxy ALL_PROXY SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
printf 'unqualified-search-registries = []\n' >"$CONTAINERS_REGISTRIES_CONF"
ITEST_POLICY=$XDG_CONFIG_HOME/containers/policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$ITEST_POLICY"
printf '{"auths":{}}\n' >"$DOCKER_CONFIG/config.json"

# A combined authfile (testuser on every registry started so far).
AUTHFILE_ALL=$TEST_DIR/auth-all.json
printf '{"auths":{}}\n' >"$AUTHFILE_ALL"
export AUTHFILE_ALL

_ITEST_REGS=        # names of the registries started, space-separated
_ITEST_AT_EXIT=()   # clean-up commands registered by the script
_ITEST_T0=$(date +%s)

# ---------------------------------------------------------------------------
# Messages, failure, exit trap
# ---------------------------------------------------------------------------

# The caller's position outside this file, as script:line.
_itest_where() {
	local i n=${#BASH_SOURCE[@]}
	for ((i = 1; i < n; i++)); do
		if [ "${BASH_SOURCE[$i]}" != "${BASH_SOURCE[0]}" ]; then
			echo "$(basename "${BASH_SOURCE[$i]}"):${BASH_LINENO[$((i - 1))]}"
			return
		fi
	done
	echo "?"
}

# note MSG: a progress line on stderr.
note() {
	echo "# $*" >&2
}

# step MSG: a section header, with the seconds elapsed since the start.
step() {
	echo "== [$(($(date +%s) - _ITEST_T0))s] $*" >&2
}

# fail MSG: report a failure and end the test (also from a subshell: a
# marker file makes the whole script fail at exit).
fail() {
	echo "FAIL: $* (at $(_itest_where))" >&2
	: >"$TEST_DIR/.failed" 2>/dev/null || true
	exit 1
}

# skip MSG: end the test as skipped (exit 77; run.sh prints "skip").
skip() {
	echo "SKIP: $*" >&2
	: >"$TEST_DIR/.skipped" 2>/dev/null || true
	exit 77
}

# require_tools NAME...: skip unless $CNAB_TOP/NAME exist (built tools).
require_tools() {
	local t
	for t in "$@"; do
		[ -x "$CNAB_TOP/$t" ] || skip "$t is not built"
	done
}

# at_exit CMD...: run CMD (a command and its words) when the test ends,
# before the registries are stopped.
at_exit() {
	_ITEST_AT_EXIT+=("$(printf '%q ' "$@")")
}

_itest_exit() {
	local rc=$? i
	set +eu
	trap - EXIT INT TERM HUP
	for ((i = ${#_ITEST_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${_ITEST_AT_EXIT[$i]}" || true
	done
	reg_stop_all
	if [ "$rc" -eq 0 ] && [ -e "$TEST_DIR/.failed" ]; then
		echo "FAIL: a failure was reported in a subshell" >&2
		rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		rm -rf "$TEST_DIR"
		rm -f "$ITEST_PIDFILE"
	elif [ "$rc" -eq 77 ] && [ -e "$TEST_DIR/.skipped" ]; then
		rm -rf "$TEST_DIR"
		rm -f "$ITEST_PIDFILE"
	else
		echo "test directory kept: $TEST_DIR" >&2
	fi
	exit "$rc"
}

_itest_signal() {
	echo "FAIL: interrupted by SIG$1" >&2
	: >"$TEST_DIR/.failed" 2>/dev/null || true
	case $1 in
	INT) exit 130 ;;
	HUP) exit 129 ;;
	*) exit 143 ;;
	esac
}

trap _itest_exit EXIT
trap '_itest_signal INT' INT
trap '_itest_signal TERM' TERM
trap '_itest_signal HUP' HUP

# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------

# assert_eq ACTUAL EXPECTED [MSG]
assert_eq() {
	if [ "$1" != "$2" ]; then
		fail "${3:-values differ}: expected '$2', got '$1'"
	fi
}

# assert_ne ACTUAL UNEXPECTED [MSG]
assert_ne() {
	if [ "$1" = "$2" ]; then
		fail "${3:-values are equal}: got '$1'"
	fi
}

# assert_contains HAYSTACK NEEDLE [MSG]  (fixed string)
assert_contains() {
	case $1 in
	*"$2"*) ;;
	*) fail "${3:-text does not contain '$2'}: got: $(printf '%s' "$1" | head -c 2000)" ;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE [MSG]
assert_not_contains() {
	case $1 in
	*"$2"*) fail "${3:-text contains '$2'}: got: $(printf '%s' "$1" | head -c 2000)" ;;
	esac
}

# assert_match STRING ERE [MSG]
assert_match() {
	if ! grep -Eq -- "$2" <<<"$1"; then
		fail "${3:-no match for /$2/}: got: $(printf '%s' "$1" | head -c 2000)"
	fi
}

# assert_file FILE [MSG]: FILE exists and is not empty.
assert_file() {
	[ -s "$1" ] || fail "${2:-missing or empty file}: $1"
}

# run CMD...: run a command, never failing; sets RC, OUT (stdout) and ERR
# (stderr); the streams are also in $TEST_DIR/run.out and run.err.
run() {
	RC=0
	"$@" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || RC=$?
	OUT=$(cat "$TEST_DIR/run.out")
	ERR=$(cat "$TEST_DIR/run.err")
	return 0
}

# assert_exit CODE CMD...: run CMD (as run does: RC, OUT, ERR) and check
# its exit code; CODE is a number, or !0 for any failure.  Inside $(...),
# where RC, OUT and ERR can't reach the caller, it passes the command's
# stdout and stderr on, so out=$(assert_exit 1 cmd 2>&1) works too.
assert_exit() {
	local want=$1 ok=0
	shift
	run "$@"
	case $want in
	'!0') [ "$RC" -ne 0 ] && ok=1 ;;
	*) [ "$RC" -eq "$want" ] && ok=1 ;;
	esac
	if [ "$ok" = 1 ]; then
		if [ "${BASH_SUBSHELL:-0}" -gt 0 ]; then
			cat "$TEST_DIR/run.out"
			cat "$TEST_DIR/run.err" >&2
		fi
		return 0
	fi
	{
		echo "--- stdout of: $*"
		tail -n 20 "$TEST_DIR/run.out"
		echo "--- stderr:"
		tail -n 30 "$TEST_DIR/run.err"
		echo "---"
	} >&2
	fail "exit code $RC, expected $want: $*"
}

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

_proc_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# _proc_stop PID [SIGNAL [MATCH]]: signal, wait, SIGKILL after the stop
# timeout.  With MATCH, only when the process's command line holds MATCH
# (a pid that died on its own may have been reused).
_proc_stop() {
	local pid=$1 sig=${2:-TERM} match=${3:-} i cmd
	[ -n "$pid" ] || return 0
	if [ -n "$match" ]; then
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || cmd=
		case $cmd in
		*"$match"*) ;;
		*)
			wait "$pid" 2>/dev/null || true
			return 0
			;;
		esac
	fi
	kill "-$sig" "$pid" 2>/dev/null || true
	kill -CONT "$pid" 2>/dev/null || true
	for ((i = 0; i < ITEST_STOP_TIMEOUT * 10; i++)); do
		_proc_alive "$pid" || break
		sleep 0.1
	done
	if _proc_alive "$pid"; then
		echo "# pid $pid ignored SIG$sig, killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			_proc_alive "$pid" || break
			sleep 0.1
		done
	fi
	wait "$pid" 2>/dev/null || true
}

_itest_record_pid() {
	echo "$1 $2 $3" >>"$ITEST_PIDFILE"
}

# free_port: print a TCP port free on 127.0.0.1 right now.
free_port() {
	"$ITEST_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------
# PKI (openssl, at test time)
# ---------------------------------------------------------------------------

_pki_quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out" >&2
		fail "openssl failed: $*"
	fi
}

# _pki_ca DIR NAME: a CA (ca.crt, ca.key) in DIR, unless there already.
_pki_ca() {
	local dir=$1
	[ -s "$dir/ca.crt" ] && return 0
	mkdir -p "$dir"
	_pki_quiet openssl req -x509 -new -nodes -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -sha256 -days 30 \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" \
		-subj "/O=cnab-tools tests/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

# _pki_leaf CADIR OUTPREFIX CN server|client [SAN [DAYS]]: a certificate
# signed by the CA; a server's names are SAN (default
# IP:127.0.0.1,DNS:localhost); it is valid for DAYS (default 30; -1: it
# expired yesterday; future: valid only in 2099).
_pki_leaf() {
	local ca=$1 out=$2 cn=$3 kind=$4 ext=$2.ext
	local san=${5:-IP:127.0.0.1,DNS:localhost} days=${6:-30}
	if [ "$kind" = server ]; then
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=$san" >"$ext"
	else
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=clientAuth" >"$ext"
	fi
	_pki_quiet openssl req -new -nodes -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -sha256 \
		-keyout "$out.key" -out "$out.csr" -subj "/CN=$cn"
	if [ "$days" = future ]; then
		# openssl x509 sets no start date: openssl ca does
		mkdir -p "$out.ca"
		printf '%s\n' "[ca]" "default_ca = d" "[d]" \
			"database = $out.ca/index.txt" "new_certs_dir = $out.ca" \
			"serial = $out.ca/serial" "default_md = sha256" \
			"policy = p" "[p]" "commonName = supplied" >"$out.ca/ca.cnf"
		: >"$out.ca/index.txt"
		openssl rand -hex 8 >"$out.ca/serial"
		_pki_quiet openssl ca -batch -config "$out.ca/ca.cnf" \
			-in "$out.csr" -out "$out.crt" -cert "$ca/ca.crt" \
			-keyfile "$ca/ca.key" -startdate 20990101000000Z \
			-enddate 20991231000000Z -extfile "$ext" -notext
		rm -rf "$out.ca"
	else
		_pki_quiet openssl x509 -req -in "$out.csr" -CA "$ca/ca.crt" \
			-CAkey "$ca/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
			-days "$days" -sha256 -extfile "$ext" -out "$out.crt"
	fi
	rm -f "$out.csr" "$ext"
}

# The test's CA, shared by every registry that has no --own-ca.
TEST_CA=$TEST_DIR/pki/ca.crt
TEST_CERTDIR=$TEST_DIR/pki/certs
export TEST_CA TEST_CERTDIR

_pki_test_ca() {
	[ -s "$TEST_DIR/pki/ca.crt" ] && return 0
	_pki_ca "$TEST_DIR/pki" "test CA for $TEST_NAME"
	mkdir -p "$TEST_CERTDIR"
	cp "$TEST_DIR/pki/ca.crt" "$TEST_CERTDIR/ca.crt"
}

# ---------------------------------------------------------------------------
# Registries
# ---------------------------------------------------------------------------

# _rv NAME FIELD: the value of ${NAME}_FIELD.
_rv() {
	local v="${1}_$2"
	printf '%s' "${!v:-}"
}

_reg_known() {
	case " $_ITEST_REGS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

_reg_need() {
	_reg_known "$1" || fail "no registry named '$1' (started: ${_ITEST_REGS:-none})"
}

_reg_set() {
	export "${1}_$2=$3"
}

# _reg_authfile FILE HOST USER PASS: auths for 127.0.0.1:PORT and
# localhost:PORT.
_reg_authfile() {
	local b64
	b64=$(printf '%s:%s' "$3" "$4" | base64 -w0)
	jq -n --arg h "$2" --arg l "localhost:${2##*:}" --arg a "$b64" \
		'{auths: {($h): {auth: $a}, ($l): {auth: $a}}}' >"$1"
}

_reg_write_config() {
	local name=$1 dir mode port
	dir=$(_rv "$name" DIR)
	mode=$(_rv "$name" MODE)
	port=$(_rv "$name" PORT)
	{
		cat <<EOF
# docker-registry (Distribution 2.8) config written by tests/integration/lib.sh
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
  fields:
    registry: "$name"
storage:
  filesystem:
    rootdirectory: "$dir/data"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: "127.0.0.1:$port"
  secret: "$(_rv "$name" SECRET)"
  headers:
    X-Content-Type-Options: [nosniff]
EOF
		if [ "$(_rv "$name" RELATIVE)" = 1 ]; then
			echo "  relativeurls: true"
		fi
		case $mode in
		tls | basic | token)
			cat <<EOF
  tls:
    certificate: "$dir/server.crt"
    key: "$dir/server.key"
EOF
			if [ -s "$dir/clientca.crt" ]; then
				cat <<EOF
    clientcas:
      - "$dir/clientca.crt"
EOF
			fi
			;;
		esac
		case $mode in
		basic | basic-http)
			cat <<EOF
auth:
  htpasswd:
    realm: basic-realm
    path: "$dir/htpasswd"
EOF
			;;
		token)
			cat <<EOF
auth:
  token:
    realm: "$(_rv "$name" REALM)"
    service: "$(_rv "$name" SERVICE)"
    issuer: "$(_rv "$name" ISSUER)"
    rootcertbundle: "$dir/token.crt"
EOF
			;;
		esac
	} >"$dir/config.yml"
}

# _reg_curl_tls NAME: curl's TLS options for the registry, into _TLS_ARGS.
_reg_curl_tls() {
	local dir
	dir=$(_rv "$1" DIR)
	_TLS_ARGS=()
	if [ "$(_rv "$1" SCHEME)" = https ]; then
		_TLS_ARGS+=(--cacert "$(_rv "$1" CA)")
		if [ -s "$dir/certs/client.cert" ]; then
			_TLS_ARGS+=(--cert "$dir/certs/client.cert" --key "$dir/certs/client.key")
		fi
	fi
}

# The HTTP status of GET /v2/, 000 when nothing answers.
_reg_probe() {
	_reg_curl_tls "$1"
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 --noproxy '*' \
		"${_TLS_ARGS[@]}" "$(_rv "$1" URL)/v2/" 2>/dev/null || true
}

# _reg_launch NAME: start the registry process, wait until /v2/ answers.
# Returns 3 when the port was taken (the caller may pick another).
_reg_launch() {
	local name=$1 dir log pid code=000 unset_env=() v off deadline
	dir=$(_rv "$name" DIR)
	log=$(_rv "$name" LOG)
	# Distribution reads REGISTRY_* variables as configuration (for one,
	# REGISTRY_AUTH_FILE, which our tools honour, breaks it).
	for v in $(compgen -e); do
		case $v in REGISTRY_*) unset_env+=(-u "$v") ;; esac
	done
	echo "# --- $(date -u +%FT%TZ) lib.sh: starting on port $(_rv "$name" PORT)" >>"$log"
	off=$(stat -c %s "$log")
	env "${unset_env[@]}" docker-registry serve "$dir/config.yml" \
		</dev/null >>"$log" 2>&1 &
	pid=$!
	_reg_set "$name" PID "$pid"
	_itest_record_pid "$pid" registry "$dir/config.yml"
	deadline=$((SECONDS + ITEST_START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! _proc_alive "$pid"; then
			wait "$pid" 2>/dev/null || true
			_reg_set "$name" PID ""
			if grep -q 'address already in use' < <(tail -c "+$((off + 1))" "$log"); then
				return 3
			fi
			echo "--- tail of $log:" >&2
			tail -n 20 "$log" >&2
			fail "registry '$name' exited during start-up"
		fi
		# "listening on" is logged once the port is bound: until then an
		# answer on the port may come from somebody else.
		if grep -q 'listening on' < <(tail -c "+$((off + 1))" "$log"); then
			code=$(_reg_probe "$name")
			case $code in
			200 | 401) _proc_alive "$pid" && return 0 ;;
			esac
		fi
		sleep 0.1
	done
	echo "--- tail of $log:" >&2
	tail -n 20 "$log" >&2
	fail "registry '$name' did not answer on $(_rv "$name" URL)/v2/ within ${ITEST_START_TIMEOUT}s (last status $code)"
}

# _issuer_start NAME ARGS...: the token issuer of a token-mode registry.
_issuer_start() {
	local name=$1 dir pid port deadline
	shift
	dir=$(_rv "$name" DIR)
	rm -f "$dir/issuer.port"
	"$ITEST_PYTHON" "$ITEST_LIB_DIR/token-issuer.py" \
		--key "$dir/token.key" --cert "$dir/token.crt" \
		--tls-cert "$dir/server.crt" --tls-key "$dir/server.key" \
		--issuer "$(_rv "$name" ISSUER)" --service "$(_rv "$name" SERVICE)" \
		--port-file "$dir/issuer.port" --log "$dir/issuer.log" \
		--refresh-token "$(_rv "$name" IDENTITY_TOKEN):$REG_USER" \
		"$@" </dev/null >>"$dir/issuer.out" 2>&1 &
	pid=$!
	_reg_set "$name" ISSUER_PID "$pid"
	_itest_record_pid "$pid" issuer "$dir/issuer.log"
	deadline=$((SECONDS + ITEST_START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if [ -s "$dir/issuer.port" ]; then
			port=$(cat "$dir/issuer.port")
			_reg_set "$name" ISSUER_URL "https://127.0.0.1:$port"
			_reg_set "$name" REALM "https://127.0.0.1:$port/token"
			return 0
		fi
		if ! _proc_alive "$pid"; then
			cat "$dir/issuer.out" >&2
			fail "token issuer of '$name' exited during start-up"
		fi
		sleep 0.1
	done
	cat "$dir/issuer.out" >&2
	fail "token issuer of '$name' did not start within ${ITEST_START_TIMEOUT}s"
}

# reg_start MODE NAME [OPTIONS]
#   MODE  plain       HTTP, no auth
#         basic       HTTPS + htpasswd (bcrypt) basic auth
#         token       HTTPS + token auth; a token issuer (token-issuer.py,
#                     HTTPS with the same certificate) is started too
#         tls         HTTPS, no auth
#         basic-http  HTTP + htpasswd basic auth
#   NAME  a shell identifier; prefixes the exported variables
#   OPTIONS
#     --own-ca           a CA of its own instead of the test's $TEST_CA
#     --mtls             require a client certificate (in ${NAME}_CERTDIR);
#                        in token mode the issuer asks for one too, but
#                        optionally, and ends each line of its log with
#                        client-cert=/commonName=client_of_NAME or
#                        client-cert=none
#     --port N           listen on N instead of a free port
#     --relative-urls    answer with Locations relative to the host
#                        ("/v2/..."), as many registries do
#                        (Distribution's http.relativeurls)
#     token mode, passed to the issuer: --pull-only, --anonymous-pull,
#     --expires-in SECONDS, --token-field both|token|access_token,
#     --user NAME:PASS[:ACTIONS] (ACTIONS "pull", "pull,push", "*"; empty,
#     as in "NAME:PASS:", for a user whose tokens grant nothing)
# Exports (NAME_ stands for the registry's name):
#   NAME_HOST 127.0.0.1:PORT     NAME_URL http(s)://NAME_HOST
#   NAME_PORT, NAME_MODE, NAME_SCHEME (http|https), NAME_DIR (its files)
#   NAME_PID          the docker-registry process
#   NAME_LOG          its stdout+stderr: app log and access log
#   NAME_CA           CA certificate file (TLS modes)
#   NAME_CERTDIR      directory with ca.crt (+ client.cert/.key with --mtls)
#                     for skopeo --cert-dir (empty in HTTP modes)
#   NAME_AUTHFILE     config.json with auths for NAME_HOST and
#                     localhost:PORT (testuser)
#   NAME_PULL_AUTHFILE  the same for pulluser
#   token mode: NAME_ISSUER_URL, NAME_REALM (ISSUER_URL/token),
#     NAME_ISSUER_PID, NAME_ISSUER_LOG, NAME_SERVICE, NAME_ISSUER (iss),
#     NAME_IDENTITY_TOKEN (a refresh token for testuser, usable as
#     "identitytoken" in a config.json)
reg_start() {
	local mode=${1:-} name=${2:-} dir port="" own_ca=0 mtls=0 rc tries
	local issuer_args=() cadir fixed_port=0 relative=0
	[ "$#" -ge 2 ] || fail "usage: reg_start MODE NAME [options]"
	shift 2
	case $mode in
	plain | basic | token | tls | basic-http) ;;
	*) fail "reg_start: unknown mode '$mode'" ;;
	esac
	case $name in
	[A-Za-z_]*) ;;
	*) fail "reg_start: '$name' is not a shell identifier" ;;
	esac
	case $name in
	*[!A-Za-z0-9_]*) fail "reg_start: '$name' is not a shell identifier" ;;
	esac
	_reg_known "$name" && fail "reg_start: registry '$name' already started"
	[ "${BASH_SUBSHELL:-0}" -eq 0 ] ||
		fail "reg_start must run in the test's main shell, not in \$(...) or a pipeline"
	while [ "$#" -gt 0 ]; do
		case $1 in
		--own-ca) own_ca=1 ;;
		--mtls) mtls=1 ;;
		--relative-urls) relative=1 ;;
		--port) port=$2; fixed_port=1; shift ;;
		--pull-only | --anonymous-pull) issuer_args+=("$1") ;;
		--expires-in | --token-field | --user) issuer_args+=("$1" "$2"); shift ;;
		*) fail "reg_start: unknown option '$1'" ;;
		esac
		shift
	done
	if [ "${#issuer_args[@]}" -gt 0 ] && [ "$mode" != token ]; then
		fail "reg_start: ${issuer_args[0]} is for token mode only"
	fi

	dir=$TEST_DIR/reg/$name
	rm -rf "$dir"
	mkdir -p "$dir/data" "$dir/certs"
	if [ -n "${ITEST_REG_STORAGE:-}" ]; then
		# the registry's storage elsewhere (the benchmark: tmpfs)
		rm -rf "$dir/data" "$ITEST_REG_STORAGE/$TEST_NAME/$name"
		mkdir -p "$ITEST_REG_STORAGE/$TEST_NAME/$name"
		ln -s "$ITEST_REG_STORAGE/$TEST_NAME/$name" "$dir/data"
		[ -n "${_ITEST_STORAGE_AT_EXIT:-}" ] || {
			at_exit rm -rf "$ITEST_REG_STORAGE/$TEST_NAME"
			_ITEST_STORAGE_AT_EXIT=1
		}
	fi
	_ITEST_REGS="$_ITEST_REGS $name"
	_reg_set "$name" MODE "$mode"
	_reg_set "$name" DIR "$dir"
	_reg_set "$name" LOG "$dir/registry.log"
	_reg_set "$name" SECRET "$(openssl rand -hex 16)"
	_reg_set "$name" CA ""
	_reg_set "$name" CERTDIR ""
	local v
	for v in PID ISSUER_PID ISSUER_URL REALM ISSUER_LOG SERVICE ISSUER \
		IDENTITY_TOKEN PROXY_PID PROXY_HOST PROXY_LOG; do
		_reg_set "$name" "$v" ""
	done
	_reg_set "$name" MARK 0
	_reg_set "$name" RELATIVE "$relative"
	: >"$dir/registry.log"

	case $mode in
	plain | basic-http) _reg_set "$name" SCHEME http ;;
	*) _reg_set "$name" SCHEME https ;;
	esac

	if [ "$(_rv "$name" SCHEME)" = https ]; then
		if [ "$own_ca" = 1 ]; then
			cadir=$dir/ca
			_pki_ca "$cadir" "CA of registry $name in $TEST_NAME"
		else
			cadir=$TEST_DIR/pki
			_pki_test_ca
		fi
		_pki_leaf "$cadir" "$dir/server" 127.0.0.1 server
		cp "$cadir/ca.crt" "$dir/certs/ca.crt"
		_reg_set "$name" CA "$dir/certs/ca.crt"
		_reg_set "$name" CERTDIR "$dir/certs"
		if [ "$mtls" = 1 ]; then
			_pki_leaf "$cadir" "$dir/client" "client of $name" client
			mv "$dir/client.crt" "$dir/certs/client.cert"
			mv "$dir/client.key" "$dir/certs/client.key"
			cp "$cadir/ca.crt" "$dir/clientca.crt"
		fi
	elif [ "$mtls" = 1 ] || [ "$own_ca" = 1 ]; then
		fail "reg_start: --mtls and --own-ca need a TLS mode"
	fi

	case $mode in
	basic | basic-http)
		htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$dir/htpasswd" 2>/dev/null
		htpasswd -Bbn "$REG_PULL_USER" "$REG_PULL_PASS" >>"$dir/htpasswd" 2>/dev/null
		;;
	token)
		_pki_quiet openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 \
			-days 30 -keyout "$dir/token.key" -out "$dir/token.crt" \
			-subj "/O=cnab-tools tests/CN=token signer of $name"
		_reg_set "$name" SERVICE "$name.registry.test"
		_reg_set "$name" ISSUER "cnab-test-issuer"
		_reg_set "$name" ISSUER_LOG "$dir/issuer.log"
		_reg_set "$name" IDENTITY_TOKEN "$(openssl rand -hex 16)"
		[ "$mtls" = 1 ] && issuer_args+=(--client-ca "$dir/clientca.crt")
		_issuer_start "$name" "${issuer_args[@]}"
		;;
	esac

	for ((tries = 0; ; tries++)); do
		[ -n "$port" ] || port=$(free_port)
		_reg_set "$name" PORT "$port"
		_reg_set "$name" HOST "127.0.0.1:$port"
		_reg_set "$name" URL "$(_rv "$name" SCHEME)://127.0.0.1:$port"
		_reg_write_config "$name"
		rc=0
		_reg_launch "$name" || rc=$?
		[ "$rc" -eq 0 ] && break
		if [ "$rc" -eq 3 ] && [ "$tries" -lt 5 ] && [ "$fixed_port" = 0 ]; then
			note "port $port was taken, trying another"
			port=""
			continue
		fi
		fail "registry '$name' could not listen on port $port"
	done

	_reg_authfile "$dir/auth.json" "$(_rv "$name" HOST)" "$REG_USER" "$REG_PASS"
	_reg_authfile "$dir/auth-pull.json" "$(_rv "$name" HOST)" "$REG_PULL_USER" "$REG_PULL_PASS"
	_reg_set "$name" AUTHFILE "$dir/auth.json"
	_reg_set "$name" PULL_AUTHFILE "$dir/auth-pull.json"
	jq -s '.[0] * .[1]' "$AUTHFILE_ALL" "$dir/auth.json" >"$AUTHFILE_ALL.new" &&
		mv "$AUTHFILE_ALL.new" "$AUTHFILE_ALL"
	reg_mark "$name" nowait
	note "registry $name ($mode) at $(_rv "$name" URL), pid $(_rv "$name" PID)"
}

# reg_proxy NAME [--rate-down BYTES_PER_S] [--rate-up BYTES_PER_S]
# [--delay-ms MS [--connect-rtt]]: a throttling TCP proxy (slowproxy.py) in
# front of the registry, so a test can kill or pause it in the middle of a
# transfer, or see it as if across a WAN (--delay-ms: MS each way,
# pipelined; --connect-rtt: a new connection costs a round trip more).  TLS passes through (the
# certificate names 127.0.0.1 and localhost, so it stays valid); the
# registry builds its upload URLs from the Host header, so they go through
# the proxy too.  It keeps running across reg_down/reg_up (clients then see
# the connection cut or refused).  Exports NAME_PROXY_HOST
# (127.0.0.1:PORT), NAME_PROXY_PID, NAME_PROXY_LOG, and adds the proxy's
# host to NAME_AUTHFILE, NAME_PULL_AUTHFILE and AUTHFILE_ALL; sk_* and
# cnab_opts know it as NAME.
reg_proxy() {
	local name=${1:-} dir pid port deadline args=() f
	_reg_need "$name"
	shift
	[ -z "$(_rv "$name" PROXY_PID)" ] || fail "reg_proxy: '$name' has a proxy already"
	[ "${BASH_SUBSHELL:-0}" -eq 0 ] || fail "reg_proxy must run in the test's main shell"
	while [ "$#" -gt 0 ]; do
		case $1 in
		--rate-down | --rate-up | --delay-ms) args+=("$1" "$2"); shift ;;
		--connect-rtt) args+=("$1") ;;
		*) fail "reg_proxy: unknown option '$1'" ;;
		esac
		shift
	done
	dir=$(_rv "$name" DIR)
	rm -f "$dir/proxy.port"
	"$ITEST_PYTHON" "$ITEST_LIB_DIR/slowproxy.py" --backend "$(_rv "$name" HOST)" \
		--port-file "$dir/proxy.port" --log "$dir/proxy.log" "${args[@]}" \
		</dev/null >>"$dir/proxy.out" 2>&1 &
	pid=$!
	_reg_set "$name" PROXY_PID "$pid"
	_reg_set "$name" PROXY_LOG "$dir/proxy.log"
	_itest_record_pid "$pid" proxy "$dir/proxy.log"
	deadline=$((SECONDS + ITEST_START_TIMEOUT))
	while [ ! -s "$dir/proxy.port" ]; do
		if ! _proc_alive "$pid" || [ "$SECONDS" -ge "$deadline" ]; then
			cat "$dir/proxy.out" >&2
			fail "the proxy for '$name' did not start"
		fi
		sleep 0.1
	done
	port=$(cat "$dir/proxy.port")
	_reg_set "$name" PROXY_HOST "127.0.0.1:$port"
	for f in "$dir/auth.json:$REG_USER:$REG_PASS" "$dir/auth-pull.json:$REG_PULL_USER:$REG_PULL_PASS"; do
		IFS=: read -r -a args <<<"$f"
		_reg_authfile "$dir/proxy-auth.json" "127.0.0.1:$port" "${args[1]}" "${args[2]}"
		jq -s '.[0] * .[1]' "${args[0]}" "$dir/proxy-auth.json" >"${args[0]}.new" &&
			mv "${args[0]}.new" "${args[0]}"
	done
	_reg_authfile "$dir/proxy-auth.json" "127.0.0.1:$port" "$REG_USER" "$REG_PASS"
	jq -s '.[0] * .[1]' "$AUTHFILE_ALL" "$dir/proxy-auth.json" >"$AUTHFILE_ALL.new" &&
		mv "$AUTHFILE_ALL.new" "$AUTHFILE_ALL"
	note "proxy for $name at 127.0.0.1:$port, pid $pid"
}

# reg_down NAME [--kill]: stop the registry process only (SIGTERM, or
# SIGKILL to simulate a crash); port, config, storage, issuer and proxy
# stay.  With a proxy (reg_proxy), every connection through it is cut at
# once too: the kernel may hold much of a response in socket buffers, which
# a dying registry would still deliver.
reg_down() {
	local sig=TERM
	_reg_need "$1"
	[ "${2:-}" = --kill ] && sig=KILL
	_proc_stop "$(_rv "$1" PID)" "$sig" "$(_rv "$1" DIR)/config.yml"
	_reg_set "$1" PID ""
	if [ -n "$(_rv "$1" PROXY_PID)" ]; then
		kill -USR1 "$(_rv "$1" PROXY_PID)" 2>/dev/null || true
		sleep 0.2
	fi
}

# reg_up NAME: start a stopped registry again, same port/config/storage.
reg_up() {
	local name=$1 rc=0 i
	_reg_need "$name"
	[ -z "$(_rv "$name" PID)" ] || fail "reg_up: registry '$name' is running"
	# The port may be busy for a moment (another process's connection).
	for ((i = 0; i < 10; i++)); do
		rc=0
		_reg_launch "$name" || rc=$?
		[ "$rc" -ne 3 ] && break
		sleep 1
	done
	[ "$rc" -eq 0 ] || fail "registry '$name' could not listen on its port $(_rv "$name" PORT) again"
	note "registry $name restarted, pid $(_rv "$name" PID)"
}

# reg_restart NAME [--kill]: reg_down then reg_up.
reg_restart() {
	reg_down "$@"
	reg_up "$1"
}

# reg_pause NAME / reg_resume NAME: SIGSTOP / SIGCONT the registry (it then
# accepts connections but never answers).
reg_pause() {
	_reg_need "$1"
	kill -STOP "$(_rv "$1" PID)"
}
reg_resume() {
	_reg_need "$1"
	kill -CONT "$(_rv "$1" PID)"
}

# reg_stop NAME: stop the registry, its token issuer and its proxy.
reg_stop() {
	local name=$1 rest= r
	_reg_known "$name" || return 0
	local f=config.yml
	[ "$(_rv "$name" MODE)" = proxy ] && f=control.json
	_proc_stop "$(_rv "$name" PID)" TERM "$(_rv "$name" DIR)/$f"
	_reg_set "$name" PID ""
	if [ -n "$(_rv "$name" ISSUER_PID)" ]; then
		_proc_stop "$(_rv "$name" ISSUER_PID)" TERM "$(_rv "$name" DIR)/issuer.log"
		_reg_set "$name" ISSUER_PID ""
	fi
	if [ -n "$(_rv "$name" PROXY_PID)" ]; then
		_proc_stop "$(_rv "$name" PROXY_PID)" TERM "$(_rv "$name" DIR)/proxy.log"
		_reg_set "$name" PROXY_PID ""
	fi
	for r in $_ITEST_REGS; do
		[ "$r" = "$name" ] || rest="$rest $r"
	done
	_ITEST_REGS=$rest
}

# reg_stop_all: stop every registry and issuer (the exit trap calls it).
reg_stop_all() {
	local r
	for r in $_ITEST_REGS; do
		reg_stop "$r"
	done
}

# reg_ref NAME REPO[:TAG|@DIGEST]: docker://HOST/REPO... for skopeo.
reg_ref() {
	_reg_need "$1"
	printf 'docker://%s/%s\n' "$(_rv "$1" HOST)" "$2"
}

# reg_token NAME [--anon | --user USER:PASS] SCOPE...: a token from the
# registry's issuer (GET), printed.
reg_token() {
	local name=$1 cred=(-u "$REG_USER:$REG_PASS") q= s out
	shift
	_reg_need "$name"
	[ "$(_rv "$name" MODE)" = token ] || fail "reg_token: '$name' is not in token mode"
	while [ "$#" -gt 0 ]; do
		case $1 in
		--anon) cred=() ;;
		--user) cred=(-u "$2"); shift ;;
		*) q="$q&scope=$(printf '%s' "$1" | jq -sRr @uri)" ;;
		esac
		shift
	done
	s=$(printf '%s' "$(_rv "$name" SERVICE)" | jq -sRr @uri)
	out=$(curl -sS --fail --max-time 30 --noproxy '*' --cacert "$(_rv "$name" CA)" \
		"${cred[@]}" "$(_rv "$name" REALM)?service=$s$q") ||
		fail "reg_token: the issuer of '$name' refused"
	printf '%s' "$out" | jq -er .token || fail "reg_token: no token in: $out"
}

# reg_curl NAME [--anon | --user USER:PASS | --scope SCOPE | CURL ARGS]...
#     PATH
# curl against the registry (options in any order, PATH last, like
# /v2/REPO/manifests/TAG): URL, TLS (CA, client certificate) and
# credentials filled in.  Basic modes send USER:PASS (default testuser);
# token mode first gets a token for SCOPE (default: derived from PATH,
# repository:REPO:pull,push, or none for /v2/) as USER, or an anonymous
# one with --anon (no access, but /v2/ accepts it).  --noauth sends no
# credentials and no token at all.  Adds -sS and a timeout;
# pass -i, -o, -w, -X ... as usual.
reg_curl() {
	local name=$1 anon=0 user="$REG_USER:$REG_PASS" scopes=() auth=() path repo
	local args=()
	shift
	_reg_need "$name"
	[ "$#" -ge 1 ] || fail "usage: reg_curl NAME [options] [curl args] PATH"
	path=${!#}
	while [ "$#" -gt 1 ]; do
		case $1 in
		--anon) anon=1 ;;
		--noauth) anon=2 ;;
		--user | -u) user=$2; shift ;;
		--scope) scopes+=("$2"); shift ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	case $(_rv "$name" MODE)/$anon in
	*/2) ;;
	basic/* | basic-http/*)
		[ "$anon" = 1 ] || auth=(-u "$user")
		;;
	token/*)
		if [ "${#scopes[@]}" -eq 0 ]; then
			repo=$(printf '%s' "$path" | sed -n -E 's#^/v2/(.+)/(manifests|blobs|tags)/.*#\1#p')
			[ -n "$repo" ] && scopes=("repository:$repo:pull,push")
		fi
		local tok
		if [ "$anon" = 1 ]; then
			tok=$(reg_token "$name" --anon "${scopes[@]}") || fail "reg_curl: no token"
		else
			tok=$(reg_token "$name" --user "$user" "${scopes[@]}") || fail "reg_curl: no token"
		fi
		auth=(-H "Authorization: Bearer $tok")
		;;
	esac
	_reg_curl_tls "$name"
	curl -sS --max-time 60 --noproxy '*' "${_TLS_ARGS[@]}" "${auth[@]}" \
		"${args[@]}" "$(_rv "$name" URL)$path"
}

# ---------------------------------------------------------------------------
# Access log
# ---------------------------------------------------------------------------

# Wait until the log stops growing (the registry writes an access-log line
# just after the response, so a client can finish first).
_reg_log_settle() {
	local log a b i
	log=$(_rv "$1" LOG)
	b=$(stat -c %s "$log")
	for ((i = 0; i < 20; i++)); do
		sleep 0.2
		a=$b
		b=$(stat -c %s "$log")
		[ "$a" = "$b" ] && return 0
	done
}

# reg_mark NAME: count_requests counts from here on (reg_start sets a mark
# after its own start-up probes).
reg_mark() {
	_reg_need "$1"
	[ "${2:-}" = nowait ] || _reg_log_settle "$1"
	_reg_set "$1" MARK "$(wc -l <"$(_rv "$1" LOG)")"
}

# reg_requests NAME: the access-log lines since the mark, as
# "METHOD URI STATUS" (for debugging and custom counts).
reg_requests() {
	local log mark
	_reg_need "$1"
	log=$(_rv "$1" LOG)
	mark=$(_rv "$1" MARK)
	tail -n "+$((mark + 1))" "$log" |
		sed -n -E 's#^[^ ]+ [^ ]+ [^ ]+ \[[^]]*\] "([A-Z]+) ([^ ]*) HTTP/[0-9.]+" ([0-9]+) .*#\1 \2 \3#p'
}

# count_requests NAME METHOD PATH_REGEX [STATUS_REGEX]: how many requests
# since the mark match.  METHOD is an ERE matched whole (GET, 'GET|HEAD',
# or '*' for any); PATH_REGEX an ERE matched anywhere in the request URI
# (path and query: anchor it with ^ and $ as needed); STATUS_REGEX an ERE
# matched whole (default: any status).
count_requests() {
	local name=$1 method=$2 path=$3 status=${4:-.*}
	_reg_need "$name"
	[ "$method" = '*' ] && method='.*'
	_reg_log_settle "$name"
	reg_requests "$name" | M="^($method)\$" P="$path" S="^($status)\$" \
		awk 'BEGIN { n = 0 }
		$1 ~ ENVIRON["M"] && $2 ~ ENVIRON["P"] && $3 ~ ENVIRON["S"] { n++ }
		END { print n }'
}

# count_token_requests NAME [REGEX]: issuer log lines (token requests,
# "GET /token ... 200 user=...") matching REGEX, since the start.
count_token_requests() {
	_reg_need "$1"
	grep -cE -- "^[^ ]+ (GET|POST) /token.*${2:-}" "$(_rv "$1" ISSUER_LOG)" || true
}

# ---------------------------------------------------------------------------
# skopeo
# ---------------------------------------------------------------------------

# The registry (name) serving a docker://HOST/... reference (HOST being
# 127.0.0.1:PORT or localhost:PORT), or nothing.
_reg_for_ref() {
	local ref=$1 host r
	case $ref in
	docker://*) ref=${ref#docker://} ;;
	*) return 0 ;;
	esac
	host=${ref%%/*}
	case $host in localhost:*) host=127.0.0.1:${host#localhost:} ;; esac
	for r in $_ITEST_REGS; do
		if [ "$(_rv "$r" HOST)" = "$host" ] || [ "$(_rv "$r" PROXY_HOST)" = "$host" ]; then
			echo "$r"
			return 0
		fi
	done
}

# skopeo_opts NAME [src|dest]: skopeo's TLS and auth flags for the
# registry, space-separated (paths have no spaces): --src-/--dest- flags
# for copy, plain ones (inspect, delete, list-tags) without a side.
skopeo_opts() {
	local name=$1 side=${2:-} p=
	_reg_need "$name"
	[ -n "$side" ] && p="$side-"
	if [ "$(_rv "$name" SCHEME)" = http ]; then
		printf -- '--%stls-verify=false ' "$p"
	else
		printf -- '--%scert-dir %s ' "$p" "$(_rv "$name" CERTDIR)"
	fi
	printf -- '--%sauthfile %s\n' "$p" "$(_rv "$name" AUTHFILE)"
}

# sk ARGS...: skopeo with the test's policy and a timeout.
sk() {
	# As root, skopeo keeps a blob-location cache in /var/lib/containers;
	# a non-zero "rootless" uid moves it under $XDG_DATA_HOME.
	_CONTAINERS_ROOTLESS_UID=${_CONTAINERS_ROOTLESS_UID:-1000} \
		skopeo --policy "$ITEST_POLICY" \
		--command-timeout "${ITEST_SKOPEO_TIMEOUT}s" "$@"
}

# sk_copy [SKOPEO COPY OPTIONS] SRC DST: skopeo copy, with --src-/--dest-
# TLS and auth flags added for docker:// references to our registries
# (options given explicitly come after them and win).
sk_copy() {
	local src dst r opts=()
	[ "$#" -ge 2 ] || fail "usage: sk_copy [options] SRC DST"
	src=${*: -2:1}
	dst=${*: -1}
	r=$(_reg_for_ref "$src")
	[ -n "$r" ] && read -r -a opts <<<"$(skopeo_opts "$r" src)"
	local o2=()
	r=$(_reg_for_ref "$dst")
	[ -n "$r" ] && read -r -a o2 <<<"$(skopeo_opts "$r" dest)"
	sk copy "${opts[@]}" "${o2[@]}" "$@"
}

# sk_inspect [OPTIONS] REF: skopeo inspect with the flags for REF's registry.
sk_inspect() {
	local r opts=()
	r=$(_reg_for_ref "${!#}")
	[ -n "$r" ] && read -r -a opts <<<"$(skopeo_opts "$r")"
	sk inspect "${opts[@]}" "$@"
}

# sk_delete REF: skopeo delete (the registry has storage.delete enabled).
sk_delete() {
	local r opts=()
	r=$(_reg_for_ref "${!#}")
	[ -n "$r" ] && read -r -a opts <<<"$(skopeo_opts "$r")"
	sk delete "${opts[@]}" "$@"
}

# cnab_opts NAME...: the flags our tools need for the registries:
# --insecure-registry HOST for each HTTP one; --cert-dir DIR (with ca.crt,
# and the client certificate for --mtls) for the TLS ones; --authfile FILE.
# With several registries the cert dir holds every CA (as NAME.crt; client
# certificates are left out) and the authfile is $AUTHFILE_ALL.
cnab_opts() {
	local r tls=() dir
	[ "$#" -ge 1 ] || fail "usage: cnab_opts NAME..."
	for r in "$@"; do
		_reg_need "$r"
		if [ "$(_rv "$r" SCHEME)" = http ]; then
			printf -- '--insecure-registry %s ' "$(_rv "$r" HOST)"
			[ -z "$(_rv "$r" PROXY_HOST)" ] ||
				printf -- '--insecure-registry %s ' "$(_rv "$r" PROXY_HOST)"
		else
			tls+=("$r")
		fi
	done
	if [ "$#" -eq 1 ]; then
		[ "${#tls[@]}" -eq 1 ] && printf -- '--cert-dir %s ' "$(_rv "$1" CERTDIR)"
		printf -- '--authfile %s\n' "$(_rv "$1" AUTHFILE)"
		return 0
	fi
	if [ "${#tls[@]}" -gt 0 ]; then
		dir=$TEST_DIR/certs-$(printf '%s-' "${tls[@]}")
		dir=${dir%-}
		mkdir -p "$dir"
		for r in "${tls[@]}"; do
			cp "$(_rv "$r" CA)" "$dir/$r.crt"
		done
		printf -- '--cert-dir %s ' "$dir"
	fi
	printf -- '--authfile %s\n' "$AUTHFILE_ALL"
}

# ---------------------------------------------------------------------------
# Fixture images (built by hand as OCI layouts, pushed with skopeo)
# ---------------------------------------------------------------------------

# _blob_put LAYOUT FILE: move FILE into the layout's blobs; prints
# "sha256:HEX SIZE".
_blob_put() {
	local hex size
	hex=$(sha256sum "$2" | cut -d' ' -f1)
	size=$(stat -c %s "$2")
	mkdir -p "$1/blobs/sha256"
	mv -f "$2" "$1/blobs/sha256/$hex"
	echo "sha256:$hex $size"
}

_layout_init() {
	mkdir -p "$1/blobs/sha256"
	[ -s "$1/oci-layout" ] || printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
	[ -s "$1/index.json" ] || printf '{"schemaVersion":2,"manifests":[]}' >"$1/index.json"
}

# _layout_tag LAYOUT MEDIATYPE DIGEST SIZE REFNAME: (re)name an entry in
# index.json.
_layout_tag() {
	jq -c --arg mt "$2" --arg d "$3" --argjson s "$4" --arg r "$5" '
		.manifests |= (map(select(.annotations["org.opencontainers.image.ref.name"] != $r))
		+ [{mediaType: $mt, digest: $d, size: $s,
		    annotations: {"org.opencontainers.image.ref.name": $r}}])' \
		"$1/index.json" >"$1/index.json.new" && mv "$1/index.json.new" "$1/index.json"
}

_gzip() {
	if command -v pigz >/dev/null 2>&1; then
		pigz -n -1 -c
	else
		gzip -n -1 -c
	fi
}

# _fx_manifest LAYOUT LAYERS SIZE ARCH OS VARIANT LABEL: random layers, a
# config and an OCI manifest in LAYOUT; prints "DIGEST SIZE".
_fx_manifest() {
	local lay=$1 n=$2 size=$3 arch=$4 os=$5 variant=$6 label=$7
	local work i d s diffs="[]" layers="[]"
	work=$(mktemp -d "$TEST_DIR/tmp/fx.XXXXXX")
	for ((i = 1; i <= n; i++)); do
		mkdir -p "$work/l$i/fixture"
		head -c "$size" /dev/urandom >"$work/l$i/fixture/layer$i.bin"
		tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner \
			--mtime=@0 -C "$work/l$i" -cf "$work/layer.tar" fixture ||
			fail "fixture: tar failed"
		d=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
		diffs=$(jq -c --arg d "sha256:$d" '. + [$d]' <<<"$diffs")
		_gzip <"$work/layer.tar" >"$work/layer.tgz" || fail "fixture: gzip failed"
		rm -f "$work/layer.tar"
		read -r d s <<<"$(_blob_put "$lay" "$work/layer.tgz")"
		layers=$(jq -c --arg d "$d" --argjson s "$s" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
			<<<"$layers")
	done
	jq -cj -n --arg arch "$arch" --arg os "$os" --arg v "$variant" \
		--arg lbl "$label" --argjson diffs "$diffs" '
		{architecture: $arch, os: $os}
		+ (if $v == "" then {} else {variant: $v} end)
		+ {config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		            Labels: {"io.cnab-tools.test.fixture": $lbl}},
		   created: "1970-01-01T00:00:00Z",
		   rootfs: {type: "layers", diff_ids: $diffs},
		   history: [$diffs[] | {created: "1970-01-01T00:00:00Z", created_by: "lib.sh fixture"}]}' \
		>"$work/config.json" || fail "fixture: jq failed (config)"
	read -r d s <<<"$(_blob_put "$lay" "$work/config.json")"
	jq -cj -n --arg d "$d" --argjson s "$s" --argjson layers "$layers" '
		{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		 config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
		 layers: $layers}' >"$work/manifest.json" || fail "fixture: jq failed (manifest)"
	_blob_put "$lay" "$work/manifest.json"
	rm -rf "$work"
}

# _fx_push NAME LAYOUT REFNAME REPO TAG FORMAT [--all]: skopeo copy into the
# registry; prints the pushed manifest's digest.
_fx_push() {
	local name=$1 lay=$2 refname=$3 repo=$4 tag=$5 fmt=$6 all=${7:-} df
	df=$(mktemp "$TEST_DIR/tmp/digest.XXXXXX")
	local args=(--retry-times 2 --digestfile "$df")
	[ -n "$all" ] && args+=(--all)
	[ -n "$fmt" ] && args+=(--format "$fmt")
	if ! sk_copy "${args[@]}" "oci:$lay:$refname" "$(reg_ref "$name" "$repo:$tag")" \
		>>"$TEST_DIR/skopeo.log" 2>&1; then
		tail -n 20 "$TEST_DIR/skopeo.log" >&2
		fail "skopeo could not push $repo:$tag to registry '$name'"
	fi
	cat "$df"
	rm -f "$df"
}

# fixture_image NAME REPO TAG [OPTIONS]: build a small random image and push
# it to registry NAME as REPO:TAG; print its manifest digest.
#   --format v2s2|oci   Docker schema 2 (default) or OCI media types
#   --layers N          number of layers (default 1, 0 allowed)
#   --size SIZE         bytes of random data per layer, head -c syntax:
#                       1024, 64K, 5M (default 1K); gzip can't shrink it
#   --arch A --os O --variant V   platform (default linux/amd64)
#   --layout DIR        build into DIR (an OCI layout, created or added to;
#                       default $TEST_DIR/fixtures/REPO_TAG)
#   --ref-name R        its ref.name annotation in the layout (REPO:TAG)
# NAME '-' builds the layout only (the digest printed is then the OCI
# manifest's).  Sets FIXTURE_DIGEST, FIXTURE_REF (HOST/REPO@DIGEST),
# FIXTURE_LAYOUT and FIXTURE_REFNAME when not run in $(...).
fixture_image() {
	local name=${1:-} repo=${2:-} tag=${3:-} fmt=v2s2 n=1 size=1K arch=amd64
	local os=linux variant= lay= refname= d s out
	[ "$#" -ge 3 ] || fail "usage: fixture_image NAME REPO TAG [options]"
	shift 3
	while [ "$#" -gt 0 ]; do
		case $1 in
		--format) fmt=$2 ;;
		--layers) n=$2 ;;
		--size) size=$2 ;;
		--arch) arch=$2 ;;
		--os) os=$2 ;;
		--variant) variant=$2 ;;
		--layout) lay=$2 ;;
		--ref-name) refname=$2 ;;
		*) fail "fixture_image: unknown option '$1'" ;;
		esac
		shift 2 || fail "fixture_image: $1 needs a value"
	done
	case $fmt in v2s2 | oci) ;; *) fail "fixture_image: --format v2s2 or oci" ;; esac
	[ "$name" = - ] || _reg_need "$name"
	[ -n "$lay" ] || lay=$TEST_DIR/fixtures/$(printf '%s_%s' "$repo" "$tag" | tr '/:@' '___')
	[ -n "$refname" ] || refname=$repo:$tag
	_layout_init "$lay"
	out=$(_fx_manifest "$lay" "$n" "$size" "$arch" "$os" "$variant" "$repo:$tag") ||
		fail "fixture_image: building $repo:$tag failed"
	read -r d s <<<"$out"
	_layout_tag "$lay" application/vnd.oci.image.manifest.v1+json "$d" "$s" "$refname"
	FIXTURE_LAYOUT=$lay
	FIXTURE_REFNAME=$refname
	if [ "$name" != - ]; then
		d=$(_fx_push "$name" "$lay" "$refname" "$repo" "$tag" "$fmt") ||
			fail "fixture_image: pushing $repo:$tag failed"
		[ -n "$d" ] || fail "fixture_image: no digest for $repo:$tag"
		FIXTURE_REF=$(_rv "$name" HOST)/$repo@$d
	else
		FIXTURE_REF=
	fi
	FIXTURE_DIGEST=$d
	echo "$d"
}

# fixture_index NAME REPO TAG [OPTIONS]: a two-platform image (linux/amd64
# and linux/arm64/v8) as an OCI index, pushed with skopeo copy --all;
# print the index digest.  Options: --format oci (default) or v2s2 (a
# Docker manifest list, converted by skopeo), --layers N, --size SIZE,
# --layout DIR, --ref-name R (as fixture_image).  Sets FIXTURE_DIGEST,
# FIXTURE_REF, FIXTURE_LAYOUT, FIXTURE_REFNAME, FIXTURE_PLATFORM_DIGESTS
# (the two manifests' digests in the layout, OCI form).
fixture_index() {
	local name=${1:-} repo=${2:-} tag=${3:-} fmt=oci n=1 size=1K lay= refname=
	local d1 s1 d2 s2 d s work out
	[ "$#" -ge 3 ] || fail "usage: fixture_index NAME REPO TAG [options]"
	shift 3
	while [ "$#" -gt 0 ]; do
		case $1 in
		--format) fmt=$2 ;;
		--layers) n=$2 ;;
		--size) size=$2 ;;
		--layout) lay=$2 ;;
		--ref-name) refname=$2 ;;
		*) fail "fixture_index: unknown option '$1'" ;;
		esac
		shift 2 || fail "fixture_index: $1 needs a value"
	done
	case $fmt in v2s2 | oci) ;; *) fail "fixture_index: --format v2s2 or oci" ;; esac
	[ "$name" = - ] || _reg_need "$name"
	[ -n "$lay" ] || lay=$TEST_DIR/fixtures/$(printf '%s_%s' "$repo" "$tag" | tr '/:@' '___')
	[ -n "$refname" ] || refname=$repo:$tag
	_layout_init "$lay"
	out=$(_fx_manifest "$lay" "$n" "$size" amd64 linux "" "$repo:$tag amd64") ||
		fail "fixture_index: building $repo:$tag failed"
	read -r d1 s1 <<<"$out"
	out=$(_fx_manifest "$lay" "$n" "$size" arm64 linux v8 "$repo:$tag arm64") ||
		fail "fixture_index: building $repo:$tag failed"
	read -r d2 s2 <<<"$out"
	work=$(mktemp -d "$TEST_DIR/tmp/fx.XXXXXX")
	jq -cj -n --arg d1 "$d1" --argjson s1 "$s1" --arg d2 "$d2" --argjson s2 "$s2" '
		{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		 manifests: [
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d1, size: $s1,
		   platform: {architecture: "amd64", os: "linux"}},
		  {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d2, size: $s2,
		   platform: {architecture: "arm64", os: "linux", variant: "v8"}}]}' \
		>"$work/index.json" || fail "fixture: jq failed (index)"
	read -r d s <<<"$(_blob_put "$lay" "$work/index.json")"
	rm -rf "$work"
	_layout_tag "$lay" application/vnd.oci.image.index.v1+json "$d" "$s" "$refname"
	FIXTURE_LAYOUT=$lay
	FIXTURE_REFNAME=$refname
	FIXTURE_PLATFORM_DIGESTS="$d1 $d2"
	if [ "$name" != - ]; then
		d=$(_fx_push "$name" "$lay" "$refname" "$repo" "$tag" "$fmt" all) ||
			fail "fixture_index: pushing $repo:$tag failed"
		[ -n "$d" ] || fail "fixture_index: no digest for $repo:$tag"
		FIXTURE_REF=$(_rv "$name" HOST)/$repo@$d
	else
		FIXTURE_REF=
	fi
	FIXTURE_DIGEST=$d
	echo "$d"
}

# jwt_part TOKEN 1|2: a JWT's header (1) or claims (2), decoded.
jwt_part() {
	local p
	p=$(printf '%s' "$1" | cut -d. -f"$2" | tr '_-' '/+')
	case $((${#p} % 4)) in
	2) p="$p==" ;;
	3) p="$p=" ;;
	esac
	printf '%s' "$p" | base64 -d
}

# sha256_of FILE|-: "sha256:HEX" of a file or stdin.
sha256_of() {
	echo "sha256:$(sha256sum "${1:--}" | cut -d' ' -f1)"
}

# ---------------------------------------------------------------------------
# Fault-injecting proxies (fault-proxy.py)
# ---------------------------------------------------------------------------

# proxy_start NAME UPSTREAM [--record] [--seed N] [--upstream-user U:P]:
# start fault-proxy.py in front of registry UPSTREAM (started by reg_start),
# on a free port, with an empty rule list.  NAME then works like a plain-HTTP
# registry for reg_ref, cnab_opts, skopeo_opts and sk_copy (it is listed
# among the registries; its authfile holds testuser for the proxy's host,
# and AUTHFILE_ALL gets it too), but count the requests it saw with
# proxy_count, not count_requests.  --record: the recorder (logs every
# header; --upstream-user lets it authenticate to an upstream with auth).
# Exports NAME_HOST (127.0.0.1:PORT), NAME_PORT, NAME_URL (http://...),
# NAME_LOG (JSON lines), NAME_CONTROL (rules file), NAME_PID, NAME_DIR,
# NAME_UPSTREAM (the registry's name), NAME_AUTHFILE, NAME_PULL_AUTHFILE;
# stopped by proxy_stop, at the latest when the test ends.
proxy_start() {
	local name=${1:-} up=${2:-} dir pid i port args=()
	[ "$#" -ge 2 ] || fail "usage: proxy_start NAME UPSTREAM_REGISTRY [options]"
	shift 2
	case $name in
	[A-Za-z_]*) ;;
	*) fail "proxy_start: '$name' is not a shell identifier" ;;
	esac
	case $name in
	*[!A-Za-z0-9_]*) fail "proxy_start: '$name' is not a shell identifier" ;;
	esac
	_reg_known "$name" && fail "proxy_start: '$name' is already a registry or proxy"
	_reg_need "$up"
	[ "${BASH_SUBSHELL:-0}" -eq 0 ] ||
		fail "proxy_start must run in the test's main shell, not in \$(...) or a pipeline"
	while [ "$#" -gt 0 ]; do
		case $1 in
		--record) args+=(--record) ;;
		--seed | --upstream-user) args+=("$1" "$2"); shift ;;
		*) fail "proxy_start: unknown option '$1'" ;;
		esac
		shift
	done
	[ "$(_rv "$up" SCHEME)" = https ] && args+=(--ca "$(_rv "$up" CA)")
	dir=$TEST_DIR/proxy/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	printf '[]\n' >"$dir/control.json"
	: >"$dir/proxy.log"
	"$ITEST_PYTHON" "$ITEST_LIB_DIR/fault-proxy.py" --upstream "$(_rv "$up" URL)" \
		--port-file "$dir/port" --log "$dir/proxy.log" \
		--control-file "$dir/control.json" "${args[@]}" \
		</dev/null >>"$dir/proxy.out" 2>&1 &
	pid=$!
	_itest_record_pid "$pid" proxy "$dir/control.json"
	at_exit proxy_stop "$name"
	for ((i = 0; i < ITEST_START_TIMEOUT * 10; i++)); do
		[ -s "$dir/port" ] && break
		if ! _proc_alive "$pid"; then
			cat "$dir/proxy.out" >&2
			fail "proxy '$name' exited during start-up"
		fi
		sleep 0.1
	done
	[ -s "$dir/port" ] || fail "proxy '$name' did not start within ${ITEST_START_TIMEOUT}s"
	port=$(cat "$dir/port")
	_ITEST_REGS="$_ITEST_REGS $name"
	_reg_set "$name" MODE proxy
	_reg_set "$name" SCHEME http
	_reg_set "$name" UPSTREAM "$up"
	_reg_set "$name" PID "$pid"
	_reg_set "$name" DIR "$dir"
	_reg_set "$name" PORT "$port"
	_reg_set "$name" HOST "127.0.0.1:$port"
	_reg_set "$name" URL "http://127.0.0.1:$port"
	_reg_set "$name" LOG "$dir/proxy.log"
	_reg_set "$name" CONTROL "$dir/control.json"
	_reg_set "$name" CA ""
	_reg_set "$name" CERTDIR ""
	_reg_set "$name" MARK 0
	_reg_authfile "$dir/auth.json" "127.0.0.1:$port" "$REG_USER" "$REG_PASS"
	_reg_authfile "$dir/auth-pull.json" "127.0.0.1:$port" "$REG_PULL_USER" "$REG_PULL_PASS"
	_reg_set "$name" AUTHFILE "$dir/auth.json"
	_reg_set "$name" PULL_AUTHFILE "$dir/auth-pull.json"
	jq -s '.[0] * .[1]' "$AUTHFILE_ALL" "$dir/auth.json" >"$AUTHFILE_ALL.new" &&
		mv "$AUTHFILE_ALL.new" "$AUTHFILE_ALL"
	note "proxy $name at http://127.0.0.1:$port -> $up ($(_rv "$up" URL)), pid $pid"
}

# proxy_stop NAME: stop the proxy (its log stays).  Use it, not reg_stop.
proxy_stop() {
	local name=$1 rest= r
	[ -n "$(_rv "$name" CONTROL)" ] || return 0
	_proc_stop "$(_rv "$name" PID)" TERM "$(_rv "$name" CONTROL)"
	_reg_set "$name" PID ""
	for r in $_ITEST_REGS; do
		[ "$r" = "$name" ] || rest="$rest $r"
	done
	_ITEST_REGS=$rest
}

# proxy_rules NAME 'JSON': replace the proxy's rules (a JSON list; '[]' for
# none) and wait until the proxy has loaded them; a rule the proxy refuses
# (unknown action or field, bad regex) fails the test.  Counts ("n",
# "skip") start afresh.
proxy_rules() {
	local name=$1 json=${2:-[]} ctl key i st
	ctl=$(_rv "$name" CONTROL)
	[ -n "$ctl" ] || fail "proxy_rules: no proxy named '$name'"
	jq -e 'type == "array" or type == "object"' >/dev/null 2>&1 <<<"$json" ||
		fail "proxy_rules: not a JSON list: $json"
	printf '%s\n' "$json" >"$ctl.new"
	mv -f "$ctl.new" "$ctl"
	key=$(stat -c '%i %s' "$ctl")
	for ((i = 0; i < 200; i++)); do
		st=$(jq -r '"\(.ino) \(.size) \(.ok)"' "$ctl.loaded" 2>/dev/null || true)
		case $st in
		"$key true") return 0 ;;
		"$key false") fail "proxy_rules: proxy '$name' refused the rules: $(jq -r .error "$ctl.loaded")" ;;
		esac
		sleep 0.05
	done
	fail "proxy_rules: proxy '$name' did not load its rules within 10s"
}

# _proxy_settle NAME: wait until the proxy's log stops growing (a request
# is logged before the last byte of its answer goes out, but a client that
# gives up during a stall is only noticed within 0.1s).
_proxy_settle() {
	local log a b i
	log=$(_rv "$1" LOG)
	b=$(stat -c %s "$log")
	for ((i = 0; i < 20; i++)); do
		sleep 0.15
		a=$b
		b=$(stat -c %s "$log")
		[ "$a" = "$b" ] && return 0
	done
}

# proxy_mark NAME: proxy_requests and proxy_count start from here.
proxy_mark() {
	[ -n "$(_rv "$1" CONTROL)" ] || fail "proxy_mark: no proxy named '$1'"
	_proxy_settle "$1"
	_reg_set "$1" MARK "$(wc -l <"$(_rv "$1" LOG)")"
}

# proxy_requests NAME [JQ_FILTER]: the request log lines since the mark,
# one compact JSON object a line, optionally through a jq filter (e.g.
# 'select(.status == 503)', or '.path': strings come out raw).
proxy_requests() {
	local name=$1 filter=${2:-.}
	[ -n "$(_rv "$name" CONTROL)" ] || fail "proxy_requests: no proxy named '$name'"
	_proxy_settle "$name"
	tail -n "+$(($(_rv "$name" MARK) + 1))" "$(_rv "$name" LOG)" |
		jq -rc "select(.event == \"request\") | $filter"
}

# proxy_count NAME METHOD PATH_RE [STATUS_RE]: requests since the mark, as
# count_requests counts them (METHOD an ERE matched whole or '*'; PATH_RE
# searched in path?query; STATUS_RE matched whole against the status the
# proxy sent, "null" when it sent none).
proxy_count() {
	local method=$2 status=${4:-.*}
	[ "$method" = '*' ] && method='.*'
	proxy_requests "$1" |
		jq -s --arg m "^($method)\$" --arg p "$3" --arg s "^($status)\$" '
		[.[] | select((.method | test($m))
		  and ((.path + (if .query then "?" + .query else "" end)) | test($p))
		  and ((.status | tostring) | test($s)))] | length'
}

# ---------------------------------------------------------------------------
# A server that accepts and never answers (silent-server.py)
# ---------------------------------------------------------------------------

# silent_start NAME [--tls [--cert PREFIX] [--client-ca FILE]]: a server
# on loopback that accepts connections and never writes a byte (with
# --tls: after completing the handshake, with PREFIX.crt and PREFIX.key,
# by default a certificate of the test CA for 127.0.0.1; with --client-ca,
# demanding a client certificate FILE signs).  Sets NAME_HOST, NAME_LOG
# and, with --tls, NAME_CERTDIR (the test CA, for --cert-dir).  Stopped at
# exit.
silent_start() {
	local name=$1 dir pid i args=() tls= cert=
	[ "${BASH_SUBSHELL:-0}" -eq 0 ] ||
		fail "silent_start must run in the test's main shell"
	shift
	dir=$TEST_DIR/silent/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	while [ "$#" -gt 0 ]; do
		case $1 in
		--tls) tls=1 ;;
		--cert) cert=$2; shift ;;
		--client-ca) args+=(--client-ca "$2"); shift ;;
		*) fail "silent_start: unknown option '$1'" ;;
		esac
		shift
	done
	if [ -n "$tls" ]; then
		_pki_test_ca
		if [ -z "$cert" ]; then
			cert=$dir/server
			_pki_leaf "$TEST_DIR/pki" "$cert" localhost server
		fi
		args+=(--tls "$cert.crt" "$cert.key")
		_reg_set "$name" CERTDIR "$TEST_CERTDIR"
	fi
	"$ITEST_PYTHON" "$ITEST_LIB_DIR/silent-server.py" --port-file "$dir/port" \
		--log "$dir/log" "${args[@]}" </dev/null >>"$dir/out" 2>&1 &
	pid=$!
	_itest_record_pid "$pid" silent silent-server.py
	at_exit _proc_stop "$pid" TERM silent-server.py
	for ((i = 0; i < ITEST_START_TIMEOUT * 10; i++)); do
		[ -s "$dir/port" ] && break
		_proc_alive "$pid" || {
			cat "$dir/out" >&2
			fail "silent server '$name' exited during start-up"
		}
		sleep 0.1
	done
	[ -s "$dir/port" ] || fail "silent server '$name' did not start"
	_reg_set "$name" HOST "127.0.0.1:$(cat "$dir/port")"
	_reg_set "$name" LOG "$dir/log"
}
