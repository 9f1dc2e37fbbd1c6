# timeline.gp -- memory over the run of one workload: the workload's live
# bytes (black) against each backend's resident bytes (thick line, measured
# by the kernel) and footprint (thin line with circles, held from the
# system), event by event. One colour per backend; a second or third results
# file draws its lines dashed or dotted. The legend has one entry per line
# kind and per backend, not one per line drawn. Every workload's timeline
# has the same unit and axis kind (scale_note of the .vars file); on a log
# axis a 0 is drawn at yfloor, labelled "0", so the live line does not
# vanish where it starts or ends at 0. The event ticks come from the .vars
# file (xtic_at, xtic_label), each label exact.
#
# Data: NAME.tsv (one block per backend, two blank lines apart: event, live,
# granted, footprint, resident, occupied bytes) and NAME.vars, as written by
# `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/timeline-churn.tsv'; outfile='out/timeline-churn.png'" plots/timeline.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg';
# logy = 0 | 1 overrides the .vars choice of a linear or logarithmic axis.

if (!exists("datafile")) print "timeline.gp: give -e \"datafile='DIR/timeline-WORKLOAD.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
if (exists("logy")) logy_given = logy
load varsfile
if (exists("logy_given")) logy = logy_given

width = NS > 3 ? 1250 : 1100
height = 620
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
# (black is the live bytes)
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 2 }
set linetype cycle |palette|

human(x) = x >= 2**30 ? sprintf("%.3g GiB", x / 2.0**30) : \
           x >= 2**20 ? sprintf("%.3g MiB", x / 2.0**20) : \
           x >= 2**10 ? sprintf("%.3g KiB", x / 2.0**10) : sprintf("%.0f B", x)

# columns of each block
EVENT = 1; LIVE = 2; FOOTPRINT = 4; RESIDENT = 5

set datafile separator "\t"
set datafile missing "NaN"
set grid xtics ytics lc rgb "#dddddd"
set border 3
set xtics nomirror
set ytics nomirror
if (!exists("scale_note")) scale_note = ""
if (!exists("yfloor")) yfloor = ymin / 4
if (!exists("zeros")) zeros = 0
set key outside right top vertical Left reverse samplen 3 width 1
set xlabel "event (allocs, frees and reallocs replayed so far)"
if (exists("NXT")) {
    set xtics ()
    do for [i=1:NXT] { set xtics add (xtic_label[i] xtic_at[i]) }
} else {
    set format x "%.0s%c"
}
set xrange [0:*]
set autoscale xfixmax
set title sprintf("Memory over time on %s\n%s\n%s", workload, machine, scale_note) font ",13"

if (logy) {
    set logscale y 4
    set ylabel zeros > 0 ? "bytes (log scale; 0 drawn at the bottom, labelled 0)" : "bytes (log scale)"
    set ytics ()
    do for [k=0:20] { set ytics add (human(4.0**k) 4.0**k) }
    if (zeros > 0) { set ytics add ("0" yfloor) }
    set yrange [yfloor / 1.5:ymax * 2]
    s_ = 1
} else {
    set ylabel sprintf("bytes (%s)", unit)
    set yrange [0:ymax / scale * 1.1]
    s_ = scale
}
# a value as drawn: on a log axis 0 at the floor (NaN stays missing)
pos(v) = logy && v <= 0 ? yfloor : v / s_

# the lines carry no titles: the legend names each backend once (its
# colour) and each kind of line once
plot datafile index 0 using (column(EVENT)):(pos(column(LIVE))) with lines lc rgb "#000000" lw 2.5 \
         title "live bytes (the workload)", \
     for [s=1:NS] datafile index (s - 1) using (column(EVENT)):(pos(column(RESIDENT))) \
         with lines lt colour[s] dt fileno[s] lw 2.5 notitle, \
     for [s=1:NS] datafile index (s - 1) using (column(EVENT)):(pos(column(FOOTPRINT))) \
         with linespoints lt colour[s] dt fileno[s] lw 1 pt 6 ps 0.7 pi 6 notitle, \
     for [s=1:NS] NaN with lines lt colour[s] dt fileno[s] lw 4 title series[s], \
     NaN with lines lc rgb "#555555" lw 2.5 title "thick: resident (kernel)", \
     NaN with linespoints lc rgb "#555555" lw 1 pt 6 ps 0.7 title "thin, circles: footprint"
