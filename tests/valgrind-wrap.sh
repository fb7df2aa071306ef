#!/bin/sh
# summary: LOG_COMPILER for check-valgrind: runs a test program under
# $SM_VALGRIND; shell tests pass SM_VALGRIND on to the binaries they start.
case "$1" in
*.sh) exec "${SHELL:-/bin/sh}" "$@" ;;
*) exec $SM_VALGRIND "$@" ;;
esac
