# record_lib.sh -- sourced by the record_*.sh tests: `poolbench check` on a
# recorded trace, which has t lines when the program had several threads.
#   check_trace POOLBENCH WORKDIR FILE: 0 when check accepts FILE; 1 (with its
#   messages) when it rejects it. A FILE with t lines is checked only when the
#   parser knows them (a probe file in WORKDIR, checked once); otherwise
#   "SKIP check: parser has no t lines yet" is printed and the result is 0.
#   Every caller also validates FILE with trace_filter.awk, which knows t lines.
t_lines_known=
check_trace() {
    if grep -q '^t ' "$3"; then
        if [ -z "$t_lines_known" ]; then
            printf 'poolbench-trace 1\nt 0\na 1 64\nt 1\nf 1\n' > "$2/t_probe.trace"
            if "$1" check "$2/t_probe.trace" > /dev/null 2>&1; then t_lines_known=yes; else t_lines_known=no; fi
        fi
        if [ "$t_lines_known" = no ]; then
            echo "SKIP check: parser has no t lines yet ($3)"
            return 0
        fi
    fi
    "$1" check "$3" > "$2/check.out" 2>&1 || { cat "$2/check.out"; return 1; }
}
