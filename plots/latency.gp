# latency.gp -- latency of single calls on one workload, as cumulative
# distributions: for each backend, the share of allocs (left) and frees
# (right) that took at most x ns. Steeper and further left is better; the
# tail on the right is the slow calls (p99, p99.9, max). Only runs made with
# `poolbench run --latency` have these figures. The timer's resolution is a
# dashed line, the range below it shaded: a call shorter than it was not
# resolved, so its quantile is drawn at the resolution (a triangle marks the
# share of calls there) and a median below it reads "median < R ns" in the
# legend, never as a measured figure.
#
# Data: NAME.tsv (one block per backend, two blank lines apart: index, alloc
# fraction, alloc ns, alloc below, free fraction, free ns, free below; "ns"
# is drawn as given, at least the resolution; "below" is 1 where the file's
# figure was below it) and NAME.vars, as written by `poolbench plot` (see
# README.md).
#   gnuplot -e "datafile='out/latency-churn.tsv'; outfile='out/latency-churn.png'" plots/latency.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg'.

if (!exists("datafile")) print "latency.gp: give -e \"datafile='DIR/latency-WORKLOAD.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

width = 1100
height = 560 + 16 * (NS + 1)
if (fmt eq "svg") {
    set terminal svg size width, height dynamic background rgb "white" font "sans,12" noenhanced
} else {
    if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
        set terminal pngcairo size width, height font "sans,11" noenhanced
    } else {
        set terminal png size width, height noenhanced
    }
}
set output outfile
set termoption noenhanced
set encoding utf8

# one colour per backend: palette[] of the .vars file, 12 colours told apart
# on white and by most colour-blind readers (colour[s] picks one); a backend
# after the last repeats the first
# a second or third results file draws the same colour dashed or dotted
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 2 }
set linetype cycle |palette|

# columns of each block
ALLOC_FRAC = 2; ALLOC_NS = 3; FREE_FRAC = 5; FREE_NS = 6
# .vars files written without the timer's resolution: nothing is cut
if (!exists("res_hi")) { res_hi = 0; res_lo = 0; res_note = "" }
if (!exists("resolution")) {
    array resolution[NS]; array under_alloc[NS]; array under_free[NS]
    do for [s=1:NS] { resolution[s] = 0; under_alloc[s] = 0; under_free[s] = 0 }
}

set datafile separator "\t"
set datafile missing "NaN"
set grid xtics mxtics ytics lc rgb "#dddddd"
set border 3
set xtics nomirror
set ytics nomirror 0.1
set logscale x 10
set xtics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 µs" 1e3, "10 µs" 1e4, "100 µs" 1e5, \
           "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9)
set xlabel "latency of one call (log scale)"
set ylabel "share of calls at most this slow"
set yrange [0:1.02]
# the legend under each panel: its entries carry the medians
set key outside below left Left reverse samplen 3 maxcols 1 font ",9" height 1.5
# a call faster than the timer resolves (after its own cost is subtracted) reads as
# 0 ns; it is drawn at the left edge, 1 ns, so the curve starts at its share
pos(v) = v > 1 ? v : 1
set xrange [1:*]

# below the timer's resolution nothing is resolved: shaded, its edge dashed
if (res_hi > 0) {
    set object 1 rectangle from graph 0, graph 0 to first res_hi, graph 1 behind \
        fillcolor rgb "#eeeeee" fillstyle solid 1.0 noborder
    set arrow 1 from first res_hi, graph 0 to first res_hi, graph 1 nohead dt 2 lc rgb "#555555" lw 1.5
    if (res_lo > 0 && res_lo < res_hi) {
        set arrow 2 from first res_lo, graph 0 to first res_lo, graph 1 nohead dt 2 lc rgb "#555555" lw 1.5
    }
    set label 2 "timer resolution" at first res_hi, graph 0.5 rotate by 90 center offset -0.8, 0 \
        font ",9" tc rgb "#555555"
}
# the share of calls below the resolution, drawn at it: a triangle per backend
array under[NS]
set multiplot layout 1, 2 title sprintf("Latency of single calls on %s\n%s\n%s", workload, machine, res_note) font ",13"
# a panel with no timed call of its kind (a workload freed only by resets
# has no free calls) says so instead of drawing empty axes
array kind[2] = ["alloc", "free"]
array count[2] = [n_alloc, n_free]
array fraction_col[2] = [ALLOC_FRAC, FREE_FRAC]
array ns_col[2] = [ALLOC_NS, FREE_NS]
median(k, s) = k == 1 ? alloc_median[s] : free_median[s]
title_of(s, k) = exists("alloc_median") && strlen(median(k, s)) > 0 ? series[s] . ": " . median(k, s) : series[s]
do for [k=1:2] {
    set title kind[k]
    do for [s=1:NS] { under[s] = k == 1 ? under_alloc[s] : under_free[s] }
    if (count[k] > 0) {
        unset label 1
        plot for [s=1:NS] datafile index (s - 1) \
                 using (pos(column(ns_col[k]))):(column(fraction_col[k])) \
                 with steps lt colour[s] dt fileno[s] title title_of(s, k), \
             for [s=1:NS] datafile index (s - 1) every ::0::0 \
                 using (resolution[s] > 0 && under[s] > 0 ? resolution[s] : NaN):(under[s]) \
                 with points lt colour[s] pt 8 ps 1.5 notitle, \
             NaN with points lc rgb "#555555" pt 8 ps 1.5 \
                 title (res_hi > 0 ? "share below the timer resolution" : "")
    } else {
        set label 1 sprintf("no %s calls were timed on this workload", kind[k]) \
            at graph 0.5, 0.5 center
        set xrange [1:1000]
        plot NaN notitle
    }
}
unset multiplot
