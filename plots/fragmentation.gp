# fragmentation.gp -- fragmentation per backend and workload, two measures:
#   top:    internal fragmentation, 1 - peak live / granted at peak: the part
#           of the granted bytes the program did not ask for (rounding up to
#           a chunk or size class, alignment padding, headers);
#   bottom: Johnstone and Wilson's fragmentation, peak footprint / peak live
#           - 1: how much more memory the allocator held from the system than
#           the program ever had live (log scale: it spans orders of magnitude).
# A missing bar says why at its place: "n/a: null backend holds no memory",
# the status of a run that is not ok ("refused", "failed"), "figure null:
# REASON" (null in the results, with the reason its notes give), "not run",
# or "<= 0" on the log panel.
#
# Data: NAME.tsv (column 1 workload, then per backend: the labels of its two
# bars, internal %, J-W %) and
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
set encoding utf8

# one colour per backend: palette[] of the .vars file, 12 colours told apart
# on white and by most colour-blind readers (colour[s] picks one); a backend
# after the last repeats the first
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 1.5 }
set linetype cycle |palette|

# data layout: column 1 workload, then per backend s: the labels of its
# internal and Johnstone-Wilson bars (empty when drawn), internal %,
# Johnstone-Wilson %
ilabel(s) = 4 * s - 2
jlabel(s) = 4 * s - 1
internal(s) = 4 * s
jw(s) = 4 * s + 1
if (!exists("jw_lo")) jw_lo = 1

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
# bar s of the cluster of workload row r (gap 1.5 bars between clusters)
barx(r, s) = r + (s - (NS + 1) / 2.0) / (NS + 1.5)

set multiplot layout 2, 1 title sprintf("Fragmentation, all workloads\n%s", machine) font ",13"

set title "internal fragmentation: 1 - peak live / granted at the peak"
set ylabel "internal fragmentation (%)"
set yrange [0:*]
plot for [s=1:NS] datafile using (column(internal(s))):xtic(1) title series[s] lt colour[s] fs solid shade(s) border rgb "#333333", \
     for [s=1:NS] datafile using (barx($0, s)):(0):(strcol(ilabel(s))) \
         with labels rotate left offset 0, 0.3 font ",8" tc rgb "#444444" notitle

set title "Johnstone-Wilson fragmentation: peak footprint / peak live - 1"
if (!exists("jw_pos")) jw_pos = 1
if (jw_pos > 0) {
    set ylabel "fragmentation (%, log scale)"
    set logscale y 10
    jbot = jw_lo / 3
    set yrange [jbot:*]
    set format y "%g"
    # with the legend below, the upper chart's legend serves both
    plot for [s=1:NS] datafile using (column(jw(s)) > 0 ? column(jw(s)) : NaN):xtic(1) \
         title (NS > 4 ? "" : series[s]) lt colour[s] fs solid shade(s) border rgb "#333333", \
         for [s=1:NS] datafile using (barx($0, s)):(jbot):(strcol(jlabel(s))) \
             with labels rotate left offset 0, 0.3 font ",8" tc rgb "#444444" notitle
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
