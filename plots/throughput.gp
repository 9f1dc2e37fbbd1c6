# throughput.gp -- time per operation: for each workload, one bar per backend
# (median ns/op of the timed replays, whiskers from min to max), and below
# it the net ns/op (median minus the null backend's median: the allocator
# without the harness).
#
# Data: NAME.tsv and NAME.vars as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/throughput.tsv'; outfile='out/throughput.png'" plots/throughput.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg';
# logscale = 1 for a logarithmic ns/op axis.

if (!exists("datafile")) print "throughput.gp: give -e \"datafile='DIR/throughput.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("logscale")) logscale = 0
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

# ---- output: 1000 px wide, taller with many workloads ---------------------
width = 1000 > 200 + NW * (NS * 34 + 60) ? 1000 : 200 + NW * (NS * 34 + 60)
height = NS > 4 ? 860 : 760
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

# ---- Okabe-Ito palette (colour-blind safe), one colour per backend -----------
set linetype 1 lc rgb "#0072B2" lw 1.5
set linetype 2 lc rgb "#E69F00" lw 1.5
set linetype 3 lc rgb "#009E73" lw 1.5
set linetype 4 lc rgb "#D55E00" lw 1.5
set linetype 5 lc rgb "#56B4E9" lw 1.5
set linetype 6 lc rgb "#CC79A7" lw 1.5
set linetype 7 lc rgb "#F0E442" lw 1.5
set linetype 8 lc rgb "#000000" lw 1.5
set linetype cycle 8

# ---- data layout: column 1 workload, then per backend s: median, min, max, net
set datafile separator "\t"
set datafile missing "NaN"
median(s) = 4 * s - 2
lo(s) = 4 * s - 1
hi(s) = 4 * s
net(s) = 4 * s + 1

set style data histogram
set style fill solid 0.9 border rgb "#333333"
# a backend has one colour; its second and third files are lighter shades
shade(s) = fileno[s] == 1 ? 0.9 : fileno[s] == 2 ? 0.45 : 0.2
set boxwidth 0.9 relative
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0
set ytics nomirror
set border 3
# the legend: right of the chart, or below it when there are many backends
if (NS > 4) {
    set key outside below center horizontal Left reverse noautotitle samplen 2 width 1 maxrows 2
} else {
    set key outside right top vertical Left reverse noautotitle samplen 2 width 2
}
set xrange [-0.6:NW - 0.4]

set multiplot layout 2, 1 title sprintf("Time per operation, all workloads\n%s", machine) font ",13"

set title "ns per op: median of the timed replays (whiskers: min to max)"
set ylabel "ns per op (median)"
if (logscale) {
    set ylabel "ns per op (median, log scale)"
    set logscale y
    set yrange [*:*]
} else {
    set yrange [0:*]
}
set style histogram errorbars gap 1.5 lw 1
plot for [s=1:NS] datafile using (column(median(s))):(column(lo(s))):(column(hi(s))):xtic(1) \
     title series[s] lt colour[s] fs solid shade(s) border rgb "#333333"

unset logscale y
set title "net ns per op: median minus the null backend's median on the same workload"
set ylabel "net ns per op"
# from 0 (or the lowest net figure) to the highest, never empty (all zeros)
set yrange [net_lo * 1.1:(net_hi > 0.5 ? net_hi * 1.1 : 0.5)]
set style histogram clustered gap 1.5
set xzeroaxis lt -1 lw 1
# with the legend below, the upper chart's legend serves both
plot for [s=1:NS] datafile using (column(net(s))):xtic(1) title (NS > 4 ? "" : series[s]) lt colour[s] fs solid shade(s) border rgb "#333333"

unset multiplot
