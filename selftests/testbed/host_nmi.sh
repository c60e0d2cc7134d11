#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host NMIs that arrive while a guest runs must reach the host: an NMI
# exit leaves NMIs blocked and the NMI undelivered, and hv hands it over
# (VT-x: through the kernel's NMI entry, or again through the local APIC
# in vmx_local mode; AMD-V: it stays pending until STGI). A lost NMI
# breaks perf, the NMI watchdog and backtraces, and leaves NMIs blocked.
#
#   host_nmi.sh [-r ROUNDS] [-c CPU] HVCTL GUEST_DIR
#
# A guest (GUEST_DIR/spin.bin) spins under hvctl pinned to CPU (default
# 1); ROUNDS times (default 8), another CPU writes 'l' to
# /proc/sysrq-trigger, which sends every other CPU an NMI and has it print
# its registers ("NMI backtrace for cpu N"). Each of those NMIs must have
# reached CPU's NMI handler (/proc/interrupts), and at least one must have
# interrupted hv (RIP in [hv]: hv handed it over after an NMI exit).
# Needs root, two CPUs and CONFIG_MAGIC_SYSRQ; the console log level is 1
# meanwhile, so that the register dumps stay in the kernel's log buffer.
# POSIX sh, TAP on stdout.

usage() {
	echo "usage: $0 [-r ROUNDS] [-c CPU] HVCTL GUEST_DIR" >&2
	exit 2
}

rounds=8
cpu=1
while getopts r:c: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	c) cpu=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
hvctl=$1
guests=$2
other=0
[ "$cpu" = 0 ] && other=1

# nmi_count: the NMIs CPU $cpu has taken ("NMI:" row of /proc/interrupts)
nmi_count() {
	awk -v col=$((cpu + 2)) '$1 == "NMI:" { print $col }' /proc/interrupts
}

echo "TAP version 13"
echo "1..3"
if [ ! -w /proc/sysrq-trigger ] || [ "$(grep -c '^processor' /proc/cpuinfo)" -le "$cpu" ]; then
	echo "not ok 1 - host NMIs: /proc/sysrq-trigger and CPU $cpu are there"
	exit 1
fi

taskset -c "$cpu" "$hvctl" run "$guests/spin.bin" >/dev/null 2>&1 &
pid=$!
sleep 2
seen=$(dmesg | wc -l)
before=$(nmi_count)
read -r level rest </proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/printk
i=0
while [ $i -lt "$rounds" ]; do
	taskset -c "$other" sh -c 'echo l >/proc/sysrq-trigger'
	sleep 0.2
	i=$((i + 1))
done
echo "$level" >/proc/sys/kernel/printk
after=$(nmi_count)
running=1
kill -0 $pid 2>/dev/null || running=0
kill $pid 2>/dev/null
wait $pid 2>/dev/null

dmesg | tail -n +$((seen + 1)) >/tmp/host_nmi.log
dumps=$(grep -c "NMI backtrace for cpu $cpu\$" /tmp/host_nmi.log)
# The RIP of each of CPU's dumps, the first "RIP: 0010:function+0x14/0x19
# [hv]" after its header (a few lines of CPU, taint and machine come first)
awk -v hdr="NMI backtrace for cpu $cpu" '
	/NMI backtrace for cpu/ {
		want = substr($0, length($0) - length(hdr) + 1) == hdr
		next
	}
	want && /RIP: / { sub(/.*RIP: [0-9a-f]*:/, ""); sub(/ *$/, ""); print; want = 0 }
' /tmp/host_nmi.log >/tmp/host_nmi.rip
in_hv=$(grep -c '\[hv\]' /tmp/host_nmi.rip)

echo "# CPU $cpu: $((after - before)) NMIs for $rounds rounds, $dumps register dumps, $in_hv in hv"
sort /tmp/host_nmi.rip | uniq -c | sed 's/^/# RIP /'
if [ $running = 1 ]; then
	echo "ok 1 - the guest ran on CPU $cpu throughout"
else
	echo "not ok 1 - the guest ran on CPU $cpu throughout (hvctl ended early)"
fi
if [ $((after - before)) -ge "$rounds" ] && [ "$dumps" -ge "$rounds" ]; then
	echo "ok 2 - every NMI reached CPU $cpu's NMI handler"
else
	echo "not ok 2 - every NMI reached CPU $cpu's NMI handler"
fi
if [ "$in_hv" -gt 0 ]; then
	echo "ok 3 - NMIs that interrupted hv reached the host"
else
	echo "not ok 3 - NMIs that interrupted hv reached the host (none of $dumps did)"
fi
rm -f /tmp/host_nmi.log /tmp/host_nmi.rip
