# SPDX-License-Identifier: GPL-2.0
#
# Compare each selftest's result between two sections of a testbed log
# (POSIX awk; mawk is enough): the suite on hv ("selftests") and the same
# suite on KVM through libhv ("kvm-selftests", init.sh). Override with
# -v a=SECTION -v b=SECTION.
#
# Input: run_all.sh's TAP, as init.sh prints it: "# selftests: hv: BINARY"
# before each binary, and the binary's own kselftest output nested under
# it ("# #  RUN           fixture.test ...", then "# ok N ..." or
# "# not ok N ...", "# SKIP" after a skipped one's number).
#
# Output, one record a line, for lib.sh's summary:
#   D <binary>: <test> <result in a> <result in b>   results differ (pass,
#                                                    fail or skip), but not
#                                                    a pass in a, skip in b
#   K <binary>: <test> <reason>                      passed in a, skipped in
#                                                    b with this reason (a
#                                                    known difference)
#   N <tests in both> <differing> <known>

BEGIN {
	if (a == "")
		a = "selftests"
	if (b == "")
		b = "kvm-selftests"
	sec = ""
}

{
	sub(/\r+$/, "")
}

/^=== HV-TESTBED SECTION / {
	sec = $4
	bin = ""
	test = ""
	next
}

sec != a && sec != b {
	next
}

/^# selftests: [^ ]+: / {
	bin = $4
	test = ""
	next
}

/^# #  RUN / {
	test = $4
	next
}

/^# (not )?ok [0-9]+/ && bin != "" && test != "" {
	line = $0
	reason = ""
	if (line ~ /^# not ok/) {
		st = "fail"
	} else if (match(line, /# SKIP/)) {
		st = "skip"
		reason = substr(line, RSTART + 7)
	} else {
		st = "pass"
	}
	key = bin ": " test
	res[sec, key] = st
	why[sec, key] = reason
	if (!((key) in seen)) {
		seen[key] = 1
		order[++n] = key
	}
	test = ""
}

END {
	both = differ = known = 0
	for (i = 1; i <= n; i++) {
		k = order[i]
		if (!((a, k) in res) || !((b, k) in res))
			continue
		both++
		ra = res[a, k]
		rb = res[b, k]
		if (ra == rb)
			continue
		if (ra == "pass" && rb == "skip") {
			known++
			printf "K %s %s\n", k, why[b, k]
		} else {
			differ++
			printf "D %s %s %s\n", k, ra, rb
		}
	}
	printf "N %d %d %d\n", both, differ, known
}
