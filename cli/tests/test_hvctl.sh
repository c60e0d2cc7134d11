#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The options of hvctl itself, without a device: --version prints the
# package's version, --help and no command behave as documented; every
# command's --help, its usage errors, and the registry commands without the
# hv module (selftests/testbed/registry.sh tests them with it).
# Usage: test_hvctl.sh HVCTL VERSION. Prints "ok N - ..." lines and
# "N passed, N failed".

hvctl=$1 version=$2
. "$(dirname "$0")/../../selftests/tap.sh"

out=$("$hvctl" --version) && status=0 || status=$?
tap_check "--version exits 0" [ "$status" = 0 ]
tap_check "--version prints 'hvctl $version (...)'" \
	eval 'case $out in "hvctl $version (libhv "*", hv API "*")") true ;; *) false ;; esac'
out=$("$hvctl" -V)
tap_check "-V is --version" eval 'case $out in "hvctl $version "*) true ;; *) false ;; esac'
out=$("$hvctl" --help) && status=0 || status=$?
tap_check "--help exits 0 and lists --version" \
	eval '[ "$status" = 0 ] && case $out in *--version*) true ;; *) false ;; esac'
"$hvctl" >/dev/null 2>&1 && status=0 || status=$?
tap_check "no command is a usage error (2)" [ "$status" = 2 ]

# run ARGS...: hvctl ARGS; status in $status, stdout and stderr in $out.
run() {
	out=$("$hvctl" "$@" 2>&1) && status=0 || status=$?
}
# has TEXT: the last run printed TEXT
has() { case $out in *"$1"*) true ;; *) false ;; esac }

run help
for cmd in info run list stat top events stop help; do
	tap_check "help lists $cmd" eval 'printf "%s\n" "$out" | grep -q "^  $cmd "'
done
for cmd in list stat top events stop; do
	run "$cmd" --help
	tap_check "$cmd --help exits 0 with its usage" \
		eval '[ "$status" = 0 ] && has "Usage: hvctl $cmd"'
	run help "$cmd"
	tap_check "help $cmd is $cmd --help" eval '[ "$status" = 0 ] && has "Usage: hvctl $cmd"'
	run "$cmd" --no-such-option
	tap_check "$cmd --no-such-option is a usage error (2)" \
		eval '[ "$status" = 2 ] && has "See '"'"'hvctl $cmd --help'"'"'"'
done

# usage_error DESCRIPTION TEXT ARGS...: hvctl ARGS exits 2 and says TEXT
usage_error() {
	desc=$1 text=$2
	shift 2
	run "$@"
	tap_check "$desc" eval '[ "$status" = 2 ] && has "$text"'
}
usage_error "list takes no argument" "unexpected argument 'x'" list x
usage_error "stat needs a VM" "which VM?" stat
usage_error "stat takes one VM" "one VM only" stat a b
usage_error "stat --watch=0 is out of range" "bad --watch interval '0'" stat --watch=0 a
usage_error "stat --watch=1s is no number" "bad --watch interval '1s'" stat --watch=1s a
usage_error "stat --iterations without --watch" "--iterations goes with --watch" stat -n 2 a
usage_error "top --delay abc" "bad --delay 'abc'" top --delay abc
usage_error "top --delay -1" "bad --delay '-1'" top --delay -1
usage_error "top --iterations 0" "bad --iterations value '0'" top --iterations 0
usage_error "top --sort bogus names the fields" "exits, guest, halt, id, name" top --sort bogus
usage_error "events takes no argument" "unexpected argument 'x'" events x
usage_error "stop needs a VM" "which VM?" stop
usage_error "stop takes one VM" "one VM only" stop a b
usage_error "run --name '' is too short" "1 to 63 bytes" run --name '' x.bin
usage_error "run --name of 64 bytes is too long" "1 to 63 bytes" \
	run --name "$(printf '%064d' 0)" x.bin
usage_error "run --name with a control character" "no control characters" \
	run --name "$(printf 'a\tb')" x.bin
run run --help
tap_check "run --help documents --name and status 4" \
	eval 'has "--name NAME" && has "administrator stopped the VM" && has "exits with 4"'

# Without the module the generic netlink family "hv" is missing: hvctl says
# so ("the hv module is not loaded", or, when /sys shows hv but the family
# is not there, e.g. in a container's network namespace, that it is not
# here). Where it answers (hv loaded, as in a build chroot on such a host),
# there is nothing to check.
nomod='(no generic netlink family "hv")'
run list
registry_answers=$status
for args in "list" "list --json" "stat 1" "top -n 1" "events" "stop 1"; do
	if [ "$registry_answers" = 0 ]; then
		tap_skip "hvctl $args without the hv module" "hv's registry answers here"
		continue
	fi
	# shellcheck disable=SC2086 # the words of the command
	run $args
	tap_check "hvctl $args without the hv module: status 1, '$nomod'" \
		eval '[ "$status" = 1 ] && has "$nomod"'
done
if [ "$registry_answers" != 0 ] && [ ! -e /sys/module/hv ]; then
	run list
	tap_check "hvctl list says the hv module is not loaded" \
		has 'hvctl: the hv module is not loaded (no generic netlink family "hv")'
else
	tap_skip "hvctl list says the hv module is not loaded" "hv is loaded here"
fi

tap_summary
