#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# From iproute2's test suite: testsuite/tests/ip/neigh/basic.t, added by commit
# acea9032e92eabacb520201e9f14f6965faadd3b ("testsuite: Add test for ip --json neigh get",
# iproute2 v6.2.0; https://git.kernel.org/pub/scm/network/iproute2/iproute2.git, mirror
# https://github.com/iproute2/iproute2). Changed for nsrun: the device is a bridge where the
# original makes a dummy (this kernel has no dummy driver); nothing else.

. lib/generic.sh

ts_log "[Testing add/get neigh]"

NEW_DEV="$(rand_dev)"
ts_ip "$0" "Add $NEW_DEV bridge interface" link add dev $NEW_DEV type bridge
ts_ip "$0" "Add $NEW_DEV neighbor 192.0.2.2 " neigh add 192.0.2.2 lladdr 02:00:00:00:00:01 dev $NEW_DEV
ts_ip "$0" "List neighbors " neigh list
test_on '02:00:00:00:00:01'
ts_ip "$0" "Get $NEW_DEV neighbor 192.0.2.2 " --json neigh get 192.0.2.2 dev $NEW_DEV
test_on '"lladdr":"02:00:00:00:00:01"'
