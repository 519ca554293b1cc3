# Sourced by bench/run and bench/floor: one gated throughput measurement.
#
# gated_throughput LISTENER NAME [PID]: CONTAINERS containers (default 4) with THREADS threads each
# (default 2) calling getppid ITER_TP times (default 50,000), their seccomp notifications going to
# LISTENER. The containers are started one by one and wait at a gate (runc takes a while per
# container); once all are warm they start together. Prints the rate (every call over the window
# from the first start to the last end) and, given PID, that process's CPU µs per call. If no
# container reported (or the last one failed), prints their output to stderr instead and fails.
# Needs DIST and OUT (with rootfs and caller).
gated_throughput() {
	local listener=$1 name=$2 pid=${3:-} containers=${CONTAINERS:-4} i before=0 after=0
	# The gate is a directory bound into each container: its root is an overlay of the rootfs,
	# which would not show a file created in the rootfs after the container started.
	local gate_dir=$OUT/gate pids=()
	mkdir -p "$gate_dir"
	rm -f "$gate_dir/go" "$OUT"/tp-*.out
	for i in $(seq 1 "$containers"); do
		"$DIST/bin/intercessor" run --rootfs "$OUT/rootfs" --listener "$listener" --syscalls getppid \
			--name "$name-$i" --bind "$OUT/caller:/opt/caller:ro" --bind "$gate_dir:/gate:ro" \
			--env CALLER_GATE=/gate/go -- /opt/caller getppid "${ITER_TP:-50000}" "${THREADS:-2}" >"$OUT/tp-$i.out" &
		pids+=($!)
	done
	for _ in $(seq 1 600); do # all warm and waiting, or 60 s
		[[ $(cat "$OUT"/tp-*.out 2>/dev/null | grep -c '^ready$') -lt $containers ]] || break
		sleep 0.1
	done
	[[ -z $pid ]] || before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	touch "$gate_dir/go"
	local status=0
	wait "${pids[@]}" || status=$?
	[[ -z $pid ]] || after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	rm -f "$gate_dir/go"
	local result
	result=$(awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v cpu="${pid:+1}" '/^calls=/ {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			calls += v["calls"]
			if (!n++ || v["start"] < first) first = v["start"]
			if (v["end"] > last) last = v["end"]
		} END {
			if (!n) exit
			printf "%.0f", calls / ((last - first) / 1e9)
			if (cpu) printf " %.2f", ticks / hz * 1e6 / calls
		}' "$OUT"/tp-*.out)
	if [[ $status != 0 || -z $result ]]; then
		cat "$OUT"/tp-*.out >&2 # what the containers said instead
		rm -f "$OUT"/tp-*.out
		return 1
	fi
	rm -f "$OUT"/tp-*.out
	echo "$result"
}
