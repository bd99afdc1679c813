#!/bin/bash
# Lab 4's hidden fuzz: the storms and the sync tests under 8 schedfuzz
# seeds at -smp 4 (tools/fuzz.sh); each test checks its own checksums.
cd "$(dirname "$0")/../../.." || exit 2
T=chan_storm,select_storm,sync_mutex_contention,lab4_close_wakes_every_parked_receiver \
	N=8 SEED=${SEED:-101} SMP=4 J=${J:-2} BUILD=${BUILD:-build} tools/fuzz.sh
