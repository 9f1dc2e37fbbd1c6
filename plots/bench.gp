# bench.gp -- a whole program under each allocator (`poolbench bench`): left,
# the median wall time per allocator; right, the median peak RSS. Each bar
# has whiskers for the spread over the rounds (the 95 % interval of the
# median; min..max where the file has no interval: whisker_note of the .vars
# says which) and its value over it, "~" after a noisy one. A failed
# allocator keeps its place on the axis: no bar, "failed" written there; an
# ok run without a figure says "no figure". Both axes are linear from 0, so
# bar heights compare as ratios.
#
# Data: NAME.tsv and NAME.vars as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/bench.tsv'; outfile='out/bench.png'" plots/bench.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg'.

if (!exists("datafile")) print "bench.gp: give -e \"datafile='DIR/bench.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

width = 1100 > 300 + NR * 2 * 110 ? 1100 : 300 + NR * 2 * 110
height = 640
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

# one colour per allocator: palette[] of the .vars file (column 11 picks one)
if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 1.5 }
set linetype cycle |palette|

# data layout: 1 allocator, 2 wall label, 3 RSS label (its value, or why
# there is no bar; labels come first: gnuplot misreads an empty field that
# ends a line), 4-6 wall median, low, high (s), 7-9 RSS median, low, high
# (bytes), 10 failed (1/0), 11 colour
set datafile separator "\t"
set datafile missing "NaN"
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.6
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0 rotate by -25
set ytics nomirror
set border 3
set key off
set xrange [-0.6:NR - 0.4]
set bmargin 5

# where a bar's label goes: over its whisker, or at the bottom for a gap
top(m, h) = h == h ? h : (m == m ? m : 0)

set multiplot layout 1, 2 title sprintf("%s, whole program, median over %d rounds\n%s\n%s (%s)", \
    program, rounds, command, machine, whisker_note . "; ~: noisy") font ",13"

set title "wall time per allocator"
set ylabel sprintf("wall time (%s)", tunit)
set yrange [0:wall_top * 1.25]
plot datafile using 0:($4 / tscale):11:xtic(strcol(1)) with boxes lc variable, \
     datafile using 0:($5 / tscale):(0):(($6 - $5) / tscale) with vectors \
         heads size screen 0.006, 90 lc rgb "#222222" lw 1.2, \
     datafile using 0:($10 > 0 ? NaN : top($4, $6) / tscale):(strcol(2)) with labels offset 0, 0.8 font ",9", \
     datafile using 0:($10 > 0 ? wall_top * 0.04 : NaN):(strcol(2)) with labels \
         tc rgb "#b00020" font ",10"

set title "peak RSS per allocator (ru_maxrss)"
set ylabel sprintf("peak RSS (%s)", bunit)
set yrange [0:rss_top * 1.25]
plot datafile using 0:($7 / bscale):11:xtic(strcol(1)) with boxes lc variable, \
     datafile using 0:($8 / bscale):(0):(($9 - $8) / bscale) with vectors \
         heads size screen 0.006, 90 lc rgb "#222222" lw 1.2, \
     datafile using 0:($10 > 0 ? NaN : top($7, $9) / bscale):(strcol(3)) with labels offset 0, 0.8 font ",9", \
     datafile using 0:($10 > 0 ? rss_top * 0.04 : NaN):(strcol(3)) with labels \
         tc rgb "#b00020" font ",10"
unset multiplot
