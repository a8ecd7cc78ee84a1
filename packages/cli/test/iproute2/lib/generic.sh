# SPDX-License-Identifier: GPL-2.0
# The parts of iproute2's testsuite/lib/generic.sh (iproute2 v6.1.0, commit
# 83699d3d5077bbb3957030938f746601317767d2; https://git.kernel.org/pub/scm/network/iproute2/iproute2.git,
# mirror https://github.com/iproute2/iproute2) that tests/ip/route/add_default_route.t and
# tests/ip/neigh/basic.t use, unchanged. Run with STD_OUT, STD_ERR, ERRF and IP set, as
# iproute2's testsuite/Makefile runs them (a test failed when $ERRF exists afterwards).

ts_log()
{
	echo "$@"
}

ts_err()
{
	ts_log "$@" | tee >> $ERRF
}

ts_cat()
{
	cat "$@"
}

ts_err_cat()
{
	ts_cat "$@" | tee >> $ERRF
}

__ts_cmd()
{
	CMD=$1; shift
	SCRIPT=$1; shift
	DESC=$1; shift

	$CMD $@ 2> $STD_ERR > $STD_OUT

	if [ -s $STD_ERR ]; then
		ts_err "${SCRIPT}: ${DESC} failed:"
		ts_err "command: $CMD $@"
		ts_err "stderr output:"
		ts_err_cat $STD_ERR
		if [ -s $STD_OUT ]; then
			ts_err "stdout output:"
			ts_err_cat $STD_OUT
		fi
	elif [ -s $STD_OUT ]; then
		echo "${SCRIPT}: ${DESC} succeeded with output:"
		cat $STD_OUT
	else
		echo "${SCRIPT}: ${DESC} succeeded"
	fi
}

ts_ip()
{
	__ts_cmd "$IP" "$@"
}

rand_dev()
{
    rnd=""
    while [ ${#rnd} -ne 6 ]; do
        rnd="$(head -c 250 /dev/urandom | tr -dc '[:alpha:]' | head -c 6)"
    done
    echo "dev-$rnd"
}

pr_failed()
{
	echo " [FAILED]"
	ts_err "matching failed"
}

pr_success()
{
	echo " [SUCCESS]"
}

test_on()
{
	echo -n "test on: \"$1\""
	if cat "$STD_OUT" | grep -qE "$1"
	then
		pr_success
	else
		pr_failed
	fi
}

test_lines_count()
{
	echo -n "test on lines count ($1): "
	if [ $(cat "$STD_OUT" | wc -l) -eq "$1" ]
	then
		pr_success
	else
		pr_failed
	fi
}
