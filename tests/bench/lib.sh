# Shared by the benchmarks; sourced by run.sh, and by snapshot.sh (or any
# other tests/bench/*.sh that run.sh calls) through $BENCH_LIB.
#
# A benchmark adds rows to the table run.sh prints at the end:
#
#	set -- $(bench_time 20 2 aq ls) || return 1	# median min max, ms
#	bench_row "aq ls, 100 VMs" "$(fmt_ms "$1")" "<= 10 ms" \
#		"$(bench_judge "$1" 10)"
#
# Rows go to $BENCH_ROWS, one "measure|value|target|result" per line;
# a result is PASS, MISS or "-" (shown for information, no target).

: "${BENCH_ROWS:?BENCH_ROWS must be set}"
: "${BENCH_TIMEIT:=$(dirname "$0")/timeit.py}"

say() {
	printf 'bench: %s\n' "$*" >&2
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# bench_row MEASURE VALUE TARGET RESULT
bench_row() {
	printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >>"$BENCH_ROWS"
}

# bench_time RUNS WARMUP CMD...: "MEDIAN MIN MAX" in ms on stdout.
bench_time() {
	python3 "$BENCH_TIMEIT" "$@"
}

# bench_judge VALUE LIMIT: PASS when VALUE <= LIMIT (numbers, any units).
bench_judge() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "PASS" : "MISS" }'
}

# bench_ratio A B: A / B with three decimals.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'
}

# The median of the numbers given as arguments.
bench_median() {
	printf '%s\n' "$@" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

fmt_ms() {
	awk -v v="$1" 'BEGIN { printf "%.1f ms\n", v }'
}

fmt_s() {
	awk -v v="$1" 'BEGIN { printf "%.2f s\n", v / 1000 }'
}

fmt_x() {
	awk -v v="$1" 'BEGIN { printf "%.3fx\n", v }'
}
