# SPDX-License-Identifier: GPL-2.0
#
# Count the TAP results in a testbed log (POSIX awk; mawk is enough).
#
# Input: a console log holding TAP, possibly nested the kselftest way (a
# runner prefixes its children's output with "# ", so "# ok 1 x" is a subtest
# and "ok 1 selftests: y" the runner's line for the binary), and section
# markers "=== HV-TESTBED SECTION <name>" printed by the testbed's /init.
#
# What counts:
# - only leaves: a result line with results nested under it is the summary of
#   its children and is not counted again, except when it fails while none of
#   its children did (a binary that crashed or timed out after its last
#   subtest): then it counts as one failure;
# - "ok ... # SKIP", and "not ok ... # TODO" (an expected failure): skipped;
# - a block that planned "1..N" and printed fewer results (it crashed): each
#   missing result counts as a failure;
# - "Bail out!": one failure.
#
# Lines before the first marker belong to section "log" (awk -v sec=NAME
# to name it otherwise).
#
# Output, one record a line, for check.sh and native.sh to read:
#   S <section> <passed> <failed> <skipped>
#   F <section> <what failed>
#   T <passed> <failed> <skipped>

function reset_depth(k) {
	seen[k] = 0; failc[k] = 0; cnt[k] = 0; plan[k] = -1; pend[k] = ""
}

# n failures found at depth d: counted now, named later (their parents'
# names are known only once their result lines arrive).
function add_fail(d, what, n,   k) {
	fail[sec] += n
	for (k = 0; k <= d; k++)
		failc[k] += n
	pend[d] = pend[d] what "\n"
}

# Move the pending failure names of depth d up to depth d - 1, prefixed with
# the name of their parent (or print them, at depth 0).
function lift(d, parent,   n, i, items) {
	if (pend[d] == "")
		return
	n = split(pend[d], items, "\n")
	for (i = 1; i <= n; i++) {
		if (items[i] == "")
			continue
		if (d == 0)
			printf "F %s %s\n", sec, items[i]
		else
			pend[d - 1] = pend[d - 1] (parent == "" ? "" : parent ": ") items[i] "\n"
	}
	pend[d] = ""
}

# Close the TAP block at depth d: check its plan.
function close_block(d) {
	if (plan[d] > cnt[d])
		add_fail(d, sprintf("only %d of %d planned results (crashed or timed out?)", \
			 cnt[d], plan[d]), plan[d] - cnt[d])
	plan[d] = -1
	cnt[d] = 0
}

# Close every block deeper than d, deepest first, handing their failure
# names to depth d's parent.
function close_deeper(d, parent,   k) {
	for (k = maxd; k > d; k--) {
		close_block(k)
		lift(k, k == d + 1 ? parent : "")
		reset_depth(k)
	}
	if (maxd > d)
		maxd = d
}

function close_all() {
	close_deeper(0, "")
	close_block(0)
	lift(0, "")
	reset_depth(0)
}

BEGIN {
	if (sec == "")
		sec = "log"
	maxd = 0
	reset_depth(0)
	nsec = 0
}

{
	sub(/\r+$/, "")
	line = $0
}

line ~ /^=== HV-TESTBED SECTION / {
	close_all()
	sec = line
	sub(/^=== HV-TESTBED SECTION /, "", sec)
	sub(/[ \t].*$/, "", sec)
	if (!(sec in known)) {
		known[sec] = 1
		order[++nsec] = sec
		pass[sec] = fail[sec] = skip[sec] = 0
	}
	next
}

{
	d = 0
	while (substr(line, 1, 2) == "# ") {
		line = substr(line, 3)
		d++
	}
	if (d > maxd) {
		for (k = maxd + 1; k <= d; k++)
			reset_depth(k)
		maxd = d
	}
}

line ~ /^TAP version / {
	close_deeper(d, "")
	close_block(d)
	next
}

line ~ /^1\.\.[0-9]+/ {
	n = line
	sub(/^1\.\./, "", n)
	sub(/[^0-9].*$/, "", n)
	n += 0
	if (cnt[d] > 0 && plan[d] < 0) {
		# a trailing plan: the block's results came first
		plan[d] = n
		close_block(d)
	} else {
		close_block(d)
		plan[d] = n
	}
	next
}

line ~ /^Bail out!/ {
	if (!(sec in known)) {
		known[sec] = 1; order[++nsec] = sec
	}
	add_fail(d, line, 1)
	next
}

line ~ /^(not )?ok([ \t]|$)/ {
	if (!(sec in known)) {
		known[sec] = 1; order[++nsec] = sec
	}
	ok = (substr(line, 1, 2) == "ok")
	name = line
	sub(/^(not )?ok[ \t]*/, "", name)
	sub(/^[0-9]+[ \t]*/, "", name)
	sub(/^-[ \t]*/, "", name)
	directive = ""
	# the kselftest harness of some kernels prints "ok 2 # SKIP reason",
	# without a name
	if (match(name, /(^|[ \t])#[ \t]*[A-Za-z]+/)) {
		directive = toupper(substr(name, RSTART, RLENGTH))
		sub(/^[ \t]*#[ \t]*/, "", directive)
		name = substr(name, 1, RSTART - 1)
	}
	if (name == "")
		name = "(unnamed test)"

	parent = (d < maxd && seen[d + 1] > 0)
	if (parent) {
		# failures under this parent: those seen so far, plus missing
		# results found when its blocks are closed
		inside = failc[d + 1] - failc[d]
		close_deeper(d, name)
		inside += failc[d]
		if (!ok && directive != "TODO" && inside == 0)
			add_fail(d, name, 1)
	} else if (ok && directive == "SKIP") {
		skip[sec]++
	} else if (!ok && directive == "TODO") {
		skip[sec]++
	} else if (ok) {
		pass[sec]++
	} else {
		add_fail(d, name, 1)
	}
	for (k = 0; k <= d; k++)
		seen[k]++
	cnt[d]++
	next
}

END {
	close_all()
	tp = tf = ts = 0
	for (i = 1; i <= nsec; i++) {
		s = order[i]
		printf "S %s %d %d %d\n", s, pass[s], fail[s], skip[s]
		tp += pass[s]; tf += fail[s]; ts += skip[s]
	}
	printf "T %d %d %d\n", tp, tf, ts
}
