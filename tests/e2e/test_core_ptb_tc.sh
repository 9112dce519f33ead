#!/usr/bin/env bash
# test_core_ptb.sh with pmtuguard on tc ingress: the same PTBs, the same
# forwarding and the same counters as in XDP.
export PG_E2E_MODE=tc
source "$(dirname "$0")/test_core_ptb.sh"
