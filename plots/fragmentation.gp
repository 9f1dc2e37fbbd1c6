# fragmentation.gp -- fragmentation per backend and workload, two measures:
#   top:    internal fragmentation, 1 - peak live / granted at peak: the part
#           of the granted bytes the program did not ask for (rounding up to
#           a chunk or size class, alignment padding, headers);
#   bottom: Johnstone and Wilson's fragmentation, peak footprint / peak live
#           - 1: how much more memory the allocator held from the system than
#           the program ever had live (log scale: it spans orders of magnitude).
#
# Data: NAME.tsv (column 1 workload, then per backend: internal %, J-W %) and
# NAME.vars, as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/fragmentation.tsv'; outfile='out/fragmentation.png'" plots/fragmentation.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg'.

if (!exists("datafile")) print "fragmentation.gp: give -e \"datafile='DIR/fragmentation.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

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

# one colour per backend: palette[] of the .vars file, 12 colours told apart
# on white and by most colour-blind readers (colour[s] picks one); a backend
# after the last repeats the first
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 1.5 }
set linetype cycle |palette|

# data layout: column 1 workload, then per backend s: internal %, Johnstone-Wilson %
internal(s) = 2 * s
jw(s) = 2 * s + 1

set datafile separator "\t"
set datafile missing "NaN"
set style data histogram
set style histogram clustered gap 1.5
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

set multiplot layout 2, 1 title sprintf("Fragmentation, all workloads\n%s", machine) font ",13"

set title "internal fragmentation: 1 - peak live / granted at the peak"
set ylabel "internal fragmentation (%)"
set yrange [0:*]
plot for [s=1:NS] datafile using (column(internal(s))):xtic(1) title series[s] lt colour[s] fs solid shade(s) border rgb "#333333"

set title "Johnstone-Wilson fragmentation: peak footprint / peak live - 1"
if (!exists("jw_pos")) jw_pos = 1
if (jw_pos > 0) {
    set ylabel "fragmentation (%, log scale)"
    set logscale y 10
    set yrange [*:*]
    set format y "%g"
    # with the legend below, the upper chart's legend serves both
    plot for [s=1:NS] datafile using (column(jw(s)) > 0 ? column(jw(s)) : NaN):xtic(1) \
         title (NS > 4 ? "" : series[s]) lt colour[s] fs solid shade(s) border rgb "#333333"
} else {
    # a log axis has nothing to draw when no figure is above 0 (footprints at
    # or below the live bytes): the panel says so instead of failing
    set ylabel "fragmentation (%)"
    set yrange [0:1]
    set label 1 "no Johnstone-Wilson fragmentation above 0 to draw" at graph 0.5, 0.5 center
    plot NaN notitle
    unset label 1
}
unset multiplot
