# scripts-lib.sh: read the data-driven script tests of tests/scripts/*.test
# (bash). Sourced by tests/scripts.sh (make check) and tests/twill-compare.sh.
#
# A .test file is a list of cases. Lines before the first case, and blank
# or '#' lines in a case's header, are comments.
#
#   === NAME                  starts a case; its line names it in reports
#   args: -n t.twill          the arguments of `kong run` (default: t.twill);
#                             read with shell quoting rules
#   exit: 1                   the exit status expected (default 0)
#   needs: CMD...             programs the case needs (its check, say);
#                             without them it is skipped
#   twill: skip|differs WHY   for tests/twill-compare.sh: do not run this case
#                             under twill (skip), or it is known to end
#                             differently there (differs); WHY is one line
#   --- script [NAME]         a script (default name t.twill)
#   --- file NAME             any other file the case needs
#   --- stdout                the exact standard output expected
#   --- stderr                the exact standard error expected; without
#                             this section it must be empty
#   --- setup                 shell commands run (bash -e) in the case's
#                             directory before kong (to make files that a
#                             .test file should not hold, say bad UTF-8)
#   --- check                 shell commands run (bash -e) in the case's
#                             directory after kong; they must succeed
#
# A section runs to the next "---" or "===" line; its trailing blank lines
# are dropped. In stdout and stderr a line "~ RE" matches any line that the
# extended regex RE matches whole (for times); other lines are literal.
# Everywhere (args included) @SITE@ is http://127.0.0.1:PORT of the test
# site, @HOST@ is 127.0.0.1:PORT, @PORT@ the port, @DIR@ the case's
# directory and @CASE@ the URL of that directory on the site (so a case's
# own HTML files can be loaded). Every case runs in a directory of its own,
# holding its files.
#
# tests_parse FILE... fills, for case i (0-based): T_FILE[i], T_LINE[i],
# T_NAME[i], T_ARGS[i], T_EXIT[i], T_TWILL[i], T_NEEDS[i], T_DIR[i] (created under
# $T_CASES, which the caller sets and the site serves as $T_SITE/c, with the
# case's files in $T_DIR[i]/run and the expectations beside it: stdout,
# stderr, check), and T_N. It needs T_SITE, T_HOST, T_PORT. Errors in a
# .test file end the program (exit 99).
#
# tests_setup I DIR runs case I's a case's setup section, if any, in DIR.
#
# tests_site_root DIR makes DIR a copy of the fixtures (tests/site) with
# an empty c/ for the cases, and sets T_CASES; start the site on it.

T_N=0
declare -a T_FILE T_LINE T_NAME T_ARGS T_EXIT T_TWILL T_DIR T_NEEDS

# Replace the placeholders in $1; the result in $_tsub.
_t_subst() {
	_tsub=$1
	_tsub=${_tsub//@SITE@/$T_SITE}
	_tsub=${_tsub//@HOST@/$T_HOST}
	_tsub=${_tsub//@PORT@/$T_PORT}
	_tsub=${_tsub//@DIR@/$_t_rundir}
	_tsub=${_tsub//@CASE@/$_t_caseurl}
}

tests_setup() {
	local c=${T_DIR[$1]}
	[ -f "$c/setup" ] || return 0
	(cd "$2" && bash -e "$c/setup") >"$c/setup.out" 2>&1
}

tests_site_root() {
	mkdir -p "$1" || return 1
	cp -R "${top_srcdir:-.}/tests/site/." "$1/" || return 1
	mkdir -p "$1/c"
	T_CASES=$(cd "$1/c" && pwd)
}

# Write the section being read, if any.
_t_flush_section() {
	[ -n "$_t_kind" ] || return 0
	# Drop trailing blank lines.
	while [[ $_t_text == *$'\n\n' || $_t_text == $'\n' ]]; do
		_t_text=${_t_text%$'\n'}
	done
	_t_subst "$_t_text"
	case $_t_kind in
	script|file)
		# (no subshells here: this runs for every section)
		case $_t_sname in */*) mkdir -p "$_t_rundir/${_t_sname%/*}";; esac
		printf '%s' "$_tsub" >"$_t_rundir/$_t_sname";;
	stdout|stderr|check|setup)
		printf '%s' "$_tsub" >"$_t_casedir/$_t_kind";;
	esac
	_t_kind=
}

_t_die() {
	echo "$_t_file:$_t_lineno: $*" >&2
	exit 99
}

# Read the .test files given.
tests_parse() {
	local line i
	for _t_file in "$@"; do
		_t_lineno=0
		_t_kind=
		_t_in_case=0
		while IFS= read -r line || [ -n "$line" ]; do
			_t_lineno=$((_t_lineno + 1))
			case $line in
			'=== '*)
				_t_flush_section
				i=$T_N
				T_N=$((T_N + 1))
				T_FILE[i]=${_t_file#"${top_srcdir:-.}/"}
				T_LINE[i]=$_t_lineno
				T_NAME[i]=${line#=== }
				T_ARGS[i]=t.twill
				T_EXIT[i]=0
				T_TWILL[i]=
				T_NEEDS[i]=
				printf -v _t_num '%04d' "$i"
				_t_casedir=$T_CASES/$_t_num
				_t_rundir=$_t_casedir/run
				_t_caseurl=$T_SITE/c/$_t_num/run
				T_DIR[i]=$_t_casedir
				mkdir -p "$_t_rundir"
				_t_in_case=1
				continue;;
			'--- '*|'---')
				[ "$_t_in_case" = 1 ] || _t_die "a section outside a case"
				_t_flush_section
				read -r _t_kind _t_sname _ <<<"${line#---}"
				_t_text=
				case $_t_kind in
				script) : "${_t_sname:=t.twill}";;
				file) [ -n "$_t_sname" ] ||
				    _t_die "'--- file' needs a name";;
				stdout|stderr|check|setup) ;;
				*) _t_die "unknown section '$_t_kind'";;
				esac
				continue;;
			esac
			if [ -n "$_t_kind" ]; then
				_t_text+=$line$'\n'
				continue
			fi
			[ "$_t_in_case" = 1 ] || continue
			case $line in
			''|'#'*) ;;
			'args:'*) _t_subst "${line#args:}"; T_ARGS[i]=$_tsub;;
			'exit: '*) T_EXIT[i]=${line#exit: };;
			'twill: '*) T_TWILL[i]=${line#twill: };;
			'needs: '*) T_NEEDS[i]=${line#needs: };;
			*) _t_die "unknown header line: $line";;
			esac
		done <"$_t_file"
		_t_flush_section
	done
}

# Compare the output file $2 with the expectation file $1 (see "~ RE").
# Prints '# ' diagnostics naming $3 when they differ; returns 1 then.
tests_compare() {
	local -a want got
	local i n w g bad=
	# Bytes, not characters: an output may hold bytes that are not UTF-8.
	local LC_ALL=C
	mapfile -t want <"$1"
	mapfile -t got <"$2"
	n=${#want[@]}
	[ ${#got[@]} -gt "$n" ] && n=${#got[@]}
	for ((i = 0; i < n; i++)); do
		w=${want[i]-}
		g=${got[i]-}
		if [ $i -ge ${#want[@]} ] || [ $i -ge ${#got[@]} ]; then
			bad=$i
			break
		fi
		if [[ $w == '~ '* ]]; then
			[[ $g =~ ^(${w#\~ })$ ]] || { bad=$i; break; }
		elif [ "$w" != "$g" ]; then
			bad=$i
			break
		fi
	done
	[ -z "$bad" ] && return 0
	echo "# $3 differs at line $((bad + 1)):"
	if [ "$bad" -lt ${#want[@]} ]; then
		echo "#   expected: ${want[bad]}"
	else
		echo "#   expected: (end of $3)"
	fi
	if [ "$bad" -lt ${#got[@]} ]; then
		echo "#   got:      ${got[bad]}"
	else
		echo "#   got:      (end of $3)"
	fi
	echo "# whole $3 (${#got[@]} lines):"
	head -n 60 "$2" | sed 's/^/#   | /'
	[ ${#got[@]} -le 60 ] || echo "#   | ..."
	return 1
}
