#!/bin/sh
# expect_exit.sh CODE PATTERN CMD [ARGS...]
# Runs CMD; passes when it exits with status CODE and its stderr+stdout
# matches the extended regular expression PATTERN ("" matches anything).
code=$1; pattern=$2; shift 2
out=$("$@" 2>&1); rc=$?
if [ "$rc" -ne "$code" ]; then
  printf 'expected exit %s, got %s from: %s\n%s\n' "$code" "$rc" "$*" "$out"
  exit 1
fi
if [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
  printf 'output of %s does not match /%s/:\n%s\n' "$*" "$pattern" "$out"
  exit 1
fi
exit 0
