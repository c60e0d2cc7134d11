# SPDX-License-Identifier: GPL-2.0
#
# make bench's statistics: reads "VENDOR NAME ACCEL VALUE" lines (one per
# measurement, VALUE in ns) and prints, per vendor and benchmark in the
# order they first came, one line
#
#   VENDOR NAME N_HV MEDIAN_HV MIN_HV MAX_HV N_KVM MEDIAN_KVM MIN_KVM MAX_KVM RATIO
#
# RATIO is hv's median over KVM's ("-" where either is missing; so are the
# figures of an accelerator without measurements).

function median(a, n, s, i, j, t) {
	for (i = 1; i <= n; i++)
		s[i] = a[i]
	for (i = 2; i <= n; i++)	# insertion sort: a handful of rounds
		for (j = i; j > 1 && s[j - 1] > s[j]; j--) {
			t = s[j]; s[j] = s[j - 1]; s[j - 1] = t
		}
	lo = s[1]
	hi = s[n]
	return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
}

function stats(key, acc, out, n, a, i, m) {
	n = count[key, acc]
	if (!n)
		return "0 - - -"
	for (i = 1; i <= n; i++)
		a[i] = val[key, acc, i]
	m = median(a, n)
	med[acc] = m
	return sprintf("%d %.1f %.1f %.1f", n, m, lo, hi)
}

NF >= 4 {
	key = $1 SUBSEP $2
	if (!(key in seen)) {
		seen[key] = 1
		order[++nkeys] = key
	}
	val[key, $3, ++count[key, $3]] = $4
}

END {
	for (k = 1; k <= nkeys; k++) {
		split(order[k], p, SUBSEP)
		delete med
		h = stats(order[k], "hv")
		v = stats(order[k], "kvm")
		ratio = "-"
		if (("hv" in med) && ("kvm" in med) && med["kvm"] > 0)
			ratio = sprintf("%.3f", med["hv"] / med["kvm"])
		print p[1], p[2], h, v, ratio
	}
}
