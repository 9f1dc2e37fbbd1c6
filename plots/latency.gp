# latency.gp -- latency of single calls on one workload, as cumulative
# distributions: for each backend, the share of allocs (left) and frees
# (right) that took at most x ns. Steeper and further left is better; the
# tail on the right is the slow calls (p99, p99.9, max). Only runs made with
# `poolbench run --latency` have these figures.
#
# Data: NAME.tsv (one block per backend, two blank lines apart: index, alloc
# fraction, alloc ns, free fraction, free ns) and NAME.vars, as written by
# `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/latency-churn.tsv'; outfile='out/latency-churn.png'" plots/latency.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg'.

if (!exists("datafile")) print "latency.gp: give -e \"datafile='DIR/latency-WORKLOAD.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

width = 1100
height = 560
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

# one colour per backend: palette[] of the .vars file, 12 colours told apart
# on white and by most colour-blind readers (colour[s] picks one); a backend
# after the last repeats the first
# a second or third results file draws the same colour dashed or dotted
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 2 }
set linetype cycle |palette|

# columns of each block
ALLOC_FRAC = 2; ALLOC_NS = 3; FREE_FRAC = 4; FREE_NS = 5

set datafile separator "\t"
set datafile missing "NaN"
set grid xtics mxtics ytics lc rgb "#dddddd"
set border 3
set xtics nomirror
set ytics nomirror 0.1
set logscale x 10
set xtics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, \
           "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9)
set xlabel "latency of one call (log scale; under 1 ns drawn at 1 ns)"
set ylabel "share of calls at most this slow"
set yrange [0:1.02]
set key right bottom Left reverse samplen 3 opaque box lc rgb "#cccccc"
# a call faster than the timer resolves (after its own cost is subtracted) reads as
# 0 ns; it is drawn at the left edge, 1 ns, so the curve starts at its share
pos(v) = v > 1 ? v : 1
set xrange [1:*]

set multiplot layout 1, 2 title sprintf("Latency of single calls on %s\n%s", workload, machine) font ",13"
# a panel with no timed call of its kind (a workload freed only by resets
# has no free calls) says so instead of drawing empty axes
array kind[2] = ["alloc", "free"]
array count[2] = [n_alloc, n_free]
array fraction_col[2] = [ALLOC_FRAC, FREE_FRAC]
array ns_col[2] = [ALLOC_NS, FREE_NS]
do for [k=1:2] {
    set title kind[k]
    if (count[k] > 0) {
        unset label 1
        plot for [s=1:NS] datafile index (s - 1) \
                 using (pos(column(ns_col[k]))):(column(fraction_col[k])) \
                 with steps lt colour[s] dt fileno[s] title series[s]
    } else {
        set label 1 sprintf("no %s calls were timed on this workload", kind[k]) \
            at graph 0.5, 0.5 center
        set xrange [1:1000]
        plot NaN notitle
    }
}
unset multiplot
