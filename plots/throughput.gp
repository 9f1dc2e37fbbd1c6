# throughput.gp -- time per operation: for each workload, one bar per backend
# for the median ns/op over the rounds (warm replays), beside it a hatched bar
# for the cold first replay when the results have one, whiskers for the
# spread (the 95 % interval of the median; min to max below 6 rounds or in
# files without an interval) and "~" over a noisy figure; below it the net
# ns/op (minus the null backend's, the allocator without the harness), never
# a negative bar: "~0" within noise (drawn as 0), "<0: below harness cost"
# (not drawn) when below the harness's own cost. A backend without a bar on a
# workload has its reason written at that place: the status of a run that is
# not ok ("refused", "failed"), "not run" or "no figure". Both panels share
# one axis kind: logarithmic when the bars span more than 20x (auto_log of
# the .vars file, so that one slow backend does not flatten the others),
# linear otherwise; the panel's title says which.
#
# Data: NAME.tsv and NAME.vars as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/throughput.tsv'; outfile='out/throughput.png'" plots/throughput.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg';
# logscale = 1 or 0 for a logarithmic or linear ns/op axis on both panels
# (default: auto_log of the .vars file).

if (!exists("datafile")) print "throughput.gp: give -e \"datafile='DIR/throughput.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile
# files written before the footnotes and the cold figures
if (!exists("has_cold")) has_cold = 0
if (!exists("note_time")) note_time = ""
if (!exists("note_net")) note_net = ""
if (!exists("time_top")) time_top = time_hi
if (!exists("cold_cut")) cold_cut = 0
if (!exists("auto_log")) auto_log = 0
if (!exists("axis_note")) axis_note = ""
if (!exists("net_lo")) net_lo = 0
if (!exists("logscale")) logscale = auto_log

# ---- bars per backend: warm, and cold beside it when there is one ---------
K = has_cold ? 2 : 1

# ---- output: 1000 px wide, wider with many bars, taller with many backends -
width = 1000 > 200 + NW * (NS * K * 34 + 60) ? 1000 : 200 + NW * (NS * K * 34 + 60)
height = NS > 4 ? 960 : 800
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

# ---- data layout: column 1 workload, then 14 columns per backend s --------
# gap: why there is no bar ("" when there is one; a label column never ends
# a line, where gnuplot would misread an empty one); warm: median, low,
# high, noisy; cold: the same; net: bar, low, high, noisy, state (0 drawn,
# 1 within noise, 2 below the baseline, 3 baseline)
set datafile separator "\t"
set datafile missing "NaN"
col(s, k) = 14 * (s - 1) + 1 + k
GAP = 1; MED = 2; LO = 3; HI = 4; NOISY = 5; CMED = 6; CLO = 7; CHI = 8; CNOISY = 9
NET = 10; NLO = 11; NHI = 12; NNOISY = 13; NSTATE = 14

# bar j (from 0) of nb in the group of workload row r: groups are 1 wide,
# with a gap of 1.5 bars between them
gap = 1.5
slot(nb) = 1.0 / (nb + gap)
barx(r, j, nb) = r + (j - (nb - 1) / 2.0) * slot(nb)
# the top of a bar and its whisker, where a "~" goes
top(m, h) = h == h && h > m ? h : m
is(v, k) = v == v && v == k

set style fill solid 0.9 border rgb "#333333"
# labels over whiskers and hatching stay readable
set style textbox opaque noborder margins 1, 1
# a backend has one colour; its second and third files are lighter shades
shade(s) = fileno[s] == 1 ? 0.9 : fileno[s] == 2 ? 0.45 : 0.2
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0
set ytics nomirror
set border 3
# the legend: right of each panel, or with many backends once, at the foot
# of the image (under the lower panel's footnote)
keybelow = NS > 4
if (keybelow) {
    set key at screen 0.5, screen 0.01 center bottom horizontal Left reverse samplen 2 width 1 maxrows 3
} else {
    set key at graph 1.02, graph 1 left top vertical Left reverse samplen 2 width 2
}
set xrange [-0.6:NW - 0.4]
# the same margins on both panels, so their bars line up: the right one
# holds the legend (its longest entry) when that is on the right
keylen = has_cold ? strlen("cold (first replay)") : 0
do for [s=1:NS] { keylen = strlen(series[s]) > keylen ? strlen(series[s]) : keylen }
keylen = keylen > 40 ? 40 : keylen   # a longer name runs off the edge, not over the bars
set lmargin 10
if (keybelow) { set rmargin 3 } else { set rmargin keylen + 8 }
# room under each panel for its one-line footnote
set bmargin 5

# the axis of both panels: the title says which kind, and why
axis_said = logscale == auto_log && axis_note ne "" ? axis_note : \
            (logscale ? "log axis (asked for)" : "linear axis (asked for)")
set multiplot layout 2, 1 title sprintf("Time per operation, all workloads\n%s", machine) font ",13"

# a log axis from 1 to 1e9 ns: 1, 2, 5, 10, 20, 50, ... labelled
if (logscale) {
    set ytics ()
    do for [k=-3:9] { do for [m in "1 2 5"] { set ytics add (sprintf("%g", m * 10.0**k) m * 10.0**k) } }
}
# a whisker's low end on the axis: on a log axis, 0 (or anything below the
# bottom) at the bottom, so that the whisker is drawn from there (a vector
# from 0 would vanish)
ony(v, bot) = v == v && v < bot ? bot : v

# ---- top: warm (and cold) ns per op ----------------------------------------
# the bars of backend s: warm at bar K * (s - 1), cold just right of it
wx(s) = barx($0, K * (s - 1), NB)
cx(s) = barx($0, K * s - 1, NB)
v(s, k) = column(col(s, k))
# a "~" over the whisker of a noisy figure (NaN: none)
mark(s, noisy, m, h) = is(v(s, noisy), 1) ? top(v(s, m), v(s, h)) : NaN
gaplabel(s) = strcol(col(s, GAP))

set title sprintf("ns per op: the median, whiskers: its spread (see below); %s", axis_said)
NB = NS * K
set boxwidth 0.9 * slot(NB) absolute
if (logscale) {
    set ylabel "ns per op (log scale)"
    set logscale y
    ybot = time_lo / 1.5
    set yrange [ybot:time_hi * 2]
    ytop = time_hi * 100
} else {
    set ylabel "ns per op"
    ybot = 0
    ytop = time_top * 1.12
    set yrange [0:ytop]
    # nothing cut: no cold bar reaches the top
    ytop = cold_cut ? ytop : time_hi * 100
}
# a cold bar past the top of the axis (cut): its median written on it
cut(s) = v(s, CMED) > ytop ? ytop : NaN
cutlabel(s) = sprintf("%s%.3g (cut)", is(v(s, CNOISY), 1) ? "~" : "", v(s, CMED))
cmark(s) = v(s, CMED) > ytop ? NaN : mark(s, CNOISY, CMED, CHI)
set label 1 note_time at graph 0, graph 0 offset 0, -3.2 left font ",9"
plot datafile using 0:(NaN):xtic(1) notitle, \
     for [s=1:NS] datafile using (wx(s)):(v(s, MED)) with boxes title (keybelow ? "" : series[s]) \
         lt colour[s] fs solid shade(s) border rgb "#333333", \
     for [s=1:NS] datafile using (cx(s)):(v(s, CMED)) with boxes notitle \
         lt colour[s] fs transparent pattern 5 border lt colour[s], \
     NaN with boxes title (has_cold && !keybelow ? "cold (first replay)" : "") \
         lc rgb "#555555" fs transparent pattern 5 border lc rgb "#555555", \
     for [s=1:NS] datafile using (wx(s)):(ony(v(s, LO), ybot)):(0):(v(s, HI) - ony(v(s, LO), ybot)) \
         with vectors heads size screen 0.006, 90 lc rgb "#333333" lw 1 notitle, \
     for [s=1:NS] datafile using (cx(s)):(ony(v(s, CLO), ybot)):(0):(v(s, CHI) - ony(v(s, CLO), ybot)) \
         with vectors heads size screen 0.006, 90 lc rgb "#333333" lw 1 notitle, \
     for [s=1:NS] datafile using (wx(s)):(mark(s, NOISY, MED, HI)):("~") \
         with labels offset 0, 0.7 font ",13" notitle, \
     for [s=1:NS] datafile using (cx(s)):(cmark(s)):("~") \
         with labels offset 0, 0.7 font ",13" notitle, \
     for [s=1:NS] datafile using (cx(s)):(cut(s)):(cutlabel(s)) \
         with labels boxed rotate by 90 right offset 0, -0.5 font ",9" notitle, \
     for [s=1:NS] datafile using (wx(s)):(ybot):(gaplabel(s)) \
         with labels rotate by 90 left offset 0, 0.4 font ",9" tc rgb "#444444" notitle
unset label 1

# ---- bottom: net ns per op, never below 0 ----------------------------------
nx(s) = barx($0, s - 1, NS)
# a label at the bottom for net state k (NaN: another state)
at0(s, k) = is(v(s, NSTATE), k) ? ybot : NaN
# a gap's label, when the top panel has one (the net figure is missing too)
netgap(s) = strlen(gaplabel(s)) > 0 ? ybot : NaN

# no net bar above 0 leaves nothing for a log axis to show: linear then
netlog = logscale && net_lo > 0 && net_hi > 0
set title sprintf("net ns per op: minus the null backend's (the harness's cost); %s", \
                  netlog ? "log axis, as above" : "linear axis")
set boxwidth 0.9 * slot(NS) absolute
if (netlog) {
    set ylabel "net ns per op (log scale)"
    ybot = net_lo / 1.5
    set yrange [ybot:net_hi * 2]
} else {
    unset logscale y
    set ytics autofreq
    set ylabel "net ns per op"
    ybot = 0
    set yrange [0:(net_hi > 0 ? net_hi * 1.15 : 1)]
}
set label 1 note_net at graph 0, graph 0 offset 0, -3.2 left font ",9"
if (keybelow) { set bmargin 9 }
plot datafile using 0:(NaN):xtic(1) notitle, \
     for [s=1:NS] datafile using (nx(s)):(v(s, NET)) with boxes \
         title series[s] lt colour[s] fs solid shade(s) border rgb "#333333", \
     NaN with boxes title (has_cold && keybelow ? "cold (first replay), above" : "") \
         lc rgb "#555555" fs transparent pattern 5 border lc rgb "#555555", \
     for [s=1:NS] datafile using (nx(s)):(ony(v(s, NLO), ybot)):(0):(v(s, NHI) - ony(v(s, NLO), ybot)) \
         with vectors heads size screen 0.006, 90 lc rgb "#333333" lw 1 notitle, \
     for [s=1:NS] datafile using (nx(s)):(mark(s, NNOISY, NET, NHI)):("~") \
         with labels offset 0, 0.7 font ",13" notitle, \
     for [s=1:NS] datafile using (nx(s)):(at0(s, 1)):("~0") with labels boxed offset 0, 0.7 notitle, \
     for [s=1:NS] datafile using (nx(s)):(at0(s, 2)):("<0: below harness cost") \
         with labels rotate by 90 left offset 0, 0.4 font ",9" notitle, \
     for [s=1:NS] datafile using (nx(s)):(at0(s, 3)):("0: baseline") \
         with labels rotate by 90 left offset 0, 0.4 font ",9" notitle, \
     for [s=1:NS] datafile using (nx(s)):(netgap(s)):(gaplabel(s)) \
         with labels rotate by 90 left offset 0, 0.4 font ",9" tc rgb "#444444" notitle
unset label 1

unset multiplot
