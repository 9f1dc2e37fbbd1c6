# memory.gp -- memory on one workload: for each backend, the workload's peak
# live bytes (the ideal: what the program asked for) beside the bytes granted
# to the live blocks at that peak, the peak footprint (held from the system),
# the peak resident bytes (measured by the kernel) and the wasted page bytes
# (resident pages holding no live block). Each bar is labelled with its value;
# a bar that cannot be drawn is labelled with the reason: "null: not reported"
# (a figure the results give as null, with the reason of its notes), the
# status of a run that is not ok ("refused", "failed"). Every workload's chart
# has the same unit and axis kind (scale_note of the .vars file says which).
#
# Data: NAME.tsv and NAME.vars as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/memory-churn.tsv'; outfile='out/memory-churn.png'" plots/memory.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg';
# logy = 0 | 1 overrides the .vars choice of a linear or logarithmic axis.

if (!exists("datafile")) print "memory.gp: give -e \"datafile='DIR/memory-WORKLOAD.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
if (exists("logy")) logy_given = logy
load varsfile
if (exists("logy_given")) logy = logy_given

width = 1000 > 240 + NS * 170 ? 1000 : 240 + NS * 170
height = 660
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

# Okabe-Ito palette (colour-blind safe), one colour per figure
set linetype 1 lc rgb "#999999"
set linetype 2 lc rgb "#56B4E9"
set linetype 3 lc rgb "#0072B2"
set linetype 4 lc rgb "#009E73"
set linetype 5 lc rgb "#D55E00"
array figure[5] = ["peak live (the ideal)", "granted at the live peak", "peak footprint", \
                   "peak resident (kernel)", "wasted pages (resident, no live block)"]

# bytes in binary units, for the tick labels: "512 B", "4 KiB", "1.5 MiB"
human(x) = x >= 2**30 ? sprintf("%.3g GiB", x / 2.0**30) : \
           x >= 2**20 ? sprintf("%.3g MiB", x / 2.0**20) : \
           x >= 2**10 ? sprintf("%.3g KiB", x / 2.0**10) : sprintf("%.0f B", x)

# data layout: column 1 backend, then the label of each of the five bars
# (labels first: gnuplot misreads an empty field that ends a line), then
# peak live, granted, footprint, resident, wasted (bytes; NaN: no bar)
if (!exists("scale_note")) scale_note = ""
label(k) = strcol(k + 1)
fig(k) = column(k + 6)
set datafile separator "\t"
set datafile missing "NaN"
set style data histogram
set style histogram clustered gap 1.5
set style fill solid 0.9 border rgb "#333333"
set boxwidth 0.95 relative
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0
set ytics nomirror
set border 3
# the legend at the foot of the image, below the (two-line) backend names
set bmargin 7
set key at screen 0.5, screen 0.015 center bottom horizontal Left reverse samplen 2 width 1 maxrows 2
set xrange [-0.6:NS - 0.4]
# "pool (base.json)" as two lines under its bars
cut = " ("
twolines(s) = strstrt(s, cut) > 0 ? s[1:strstrt(s, cut) - 1] . "\n" . s[strstrt(s, cut) + 1:] : s

set title sprintf("Memory on %s\n%s\n%s", workload, machine, scale_note) font ",13"
# bar k of the backend in row r sits at r + (k - 3) / (5 + gap)
barx(r, k) = r + (k - 3) / 6.5
if (logy) {
    set logscale y 4
    set ylabel "bytes (log scale)"
    set ytics ()
    do for [k=0:20] { set ytics add (human(4.0**k) 4.0**k) }
    ybottom = ymin / 2
    set yrange [ybottom:ymax * 12]
    # a zero (no wasted page) has no bar on a log axis, nor has a missing
    # figure: their labels sit at the bottom
    plot for [k=1:5] datafile using (fig(k) > 0 ? fig(k) : NaN):xtic(twolines(strcol(1))) \
             title figure[k] lt k, \
         for [k=1:5] datafile using (barx($0, k)):(fig(k) > 0 ? fig(k) : ybottom):(label(k)) \
             with labels rotate left offset 0, 0.3 font ",8" notitle
} else {
    set ylabel sprintf("bytes (%s)", unit)
    set yrange [0:ymax / scale * 1.3]
    # a missing figure's label sits at 0
    plot for [k=1:5] datafile using (fig(k) / scale):xtic(twolines(strcol(1))) title figure[k] lt k, \
         for [k=1:5] datafile using (barx($0, k)):(fig(k) == fig(k) ? fig(k) / scale : 0):(label(k)) \
             with labels rotate left offset 0, 0.3 font ",8" notitle
}
