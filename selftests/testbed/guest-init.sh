#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guest that the testbed boots under
# `hvctl run --kernel` (busybox sh; built by lib.sh, build_guest_initramfs).
#
# It prints, on the console, one marker line that the tests wait for:
#
#   HV-GUEST: init reached, cpus=N, uptime S s
#
# (N: the CPUs online; S: the guest's own uptime), then does what the kernel
# command line asks:
#
#   hv.cmd=WORD or hv.cmd="WORDS"  run this with sh, then print
#                                  "HV-GUEST: command exit status N"
#   hv.end=poweroff | reboot | shell
#                                  then power off (the default after
#                                  hv.cmd), reboot, or start a shell on the
#                                  console (the default without hv.cmd),
#                                  with the prompt "guest# "; when the
#                                  shell exits the guest powers off
#
# Then "HV-GUEST: clocksource NAME" and "HV-GUEST: kernel log clean", or
# "HV-GUEST: the kernel logged an error:" and the lines around each splat
# (a WARNING, BUG, Oops, ...) in the kernel's log.
#
# Before powering off or rebooting it prints "HV-GUEST: poweroff" or
# "HV-GUEST: reboot"; should `poweroff -f` or `reboot -f` return, it says so
# ("HV-GUEST: poweroff -f failed") and exits, which makes the kernel panic.

export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# online_cpus: how many CPUs are online (sysfs lists them as "0-3,5").
online_cpus() {
	n=0
	for r in $(tr , ' ' </sys/devices/system/cpu/online); do
		case $r in
		*-*) n=$((n + ${r#*-} - ${r%-*} + 1)) ;;
		*) n=$((n + 1)) ;;
		esac
	done
	echo $n
}

# param NAME: NAME's value on the kernel command line (/proc/cmdline keeps
# the quotes of NAME="WORDS"; NAME has no regex characters but dots).
param() {
	re=$(echo "$1" | sed 's/\./\\./g')
	sed -n -e "s/^\(.* \)\{0,1\}$re=\"\([^\"]*\)\".*/\2/p" -e t \
		-e "s/^\(.* \)\{0,1\}$re=\([^ ]*\).*/\2/p" /proc/cmdline
}

echo "HV-GUEST: init reached, cpus=$(online_cpus), uptime $(cut -d' ' -f1 /proc/uptime) s"
echo "HV-GUEST: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# The console is quiet: look for splats in the kernel's log (the patterns
# of the testbed's hosts, lib.sh SPLAT_RE), and for MSR accesses that
# faulted where the kernel expected none (an MSR the hypervisor should have
# but lacks).
splat='(^|\] )(BUG:|WARNING:|Oops|kernel BUG at|general protection fault|Kernel panic)|Call Trace|UBSAN:|unchecked MSR access error'
if dmesg | grep -qE "$splat"; then
	echo "HV-GUEST: the kernel logged an error:"
	dmesg | grep -E -m 5 -A 20 "$splat"
else
	echo "HV-GUEST: kernel log clean"
fi

cmd=$(param hv.cmd)
end=$(param hv.end)
if [ -n "$cmd" ]; then
	sh -c "$cmd"
	echo "HV-GUEST: command exit status $?"
	end=${end:-poweroff}
fi
case ${end:-shell} in
shell)
	# a controlling terminal (the console's tty: ttyS0) for job control
	# and ^C
	PS1='guest# ' setsid cttyhack sh
	# (128 + N: the shell died of signal N)
	echo "HV-GUEST: shell exit status $?"
	end=poweroff
	;;
poweroff | reboot) ;;
*)
	echo "HV-GUEST: hv.end=$end: use poweroff, reboot or shell; powering off"
	end=poweroff
	;;
esac

# What went wrong since: a splat, or a process killed by a signal it got
# from a fault (the shell above, say).
if dmesg | grep -qE "$splat|segfault at|traps: "; then
	echo "HV-GUEST: the kernel logged at the end:"
	dmesg | grep -E -m 5 -A 20 "$splat|segfault at|traps: "
fi
echo "HV-GUEST: $end"
sync
# `poweroff -f` and `reboot -f` do not wait for the console's tty to send
# what is still queued for it (the shell's last lines, the line above):
# stty sets the settings it read back with TCSADRAIN, which waits for that.
stty "$(stty -g)" </dev/console
"$end" -f
echo "HV-GUEST: $end -f failed"
