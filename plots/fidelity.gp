# fidelity.gp -- does the replay predict the whole program? (`poolbench
# bench --replay TRACE`) One labelled point per allocator: left, the
# replay's net ns/op (the allocator alone, minus the null backend) on x
# against the program's median wall time on y, with whiskers for the
# program's interval over the rounds; right, the replay's peak resident
# bytes against the program's median peak RSS. When the replay predicts the
# program, the points rise from left to right (rank correlation +1, given in
# each panel's title); whiskers that overlap mean the program cannot tell
# those allocators apart. An allocator without the replay's figure is drawn
# hollow at the left edge, its label saying so.
#
# Data: NAME.tsv and NAME.vars as written by `poolbench plot` (see README.md).
#   gnuplot -e "datafile='out/fidelity.tsv'; outfile='out/fidelity.png'" plots/fidelity.gp
# Variables: datafile (required); outfile (default: datafile with .png or
# .svg); varsfile (default: datafile with .vars); fmt = 'png' | 'svg'.

if (!exists("datafile")) print "fidelity.gp: give -e \"datafile='DIR/fidelity.tsv'\""; exit status 2
if (!exists("fmt")) fmt = "png"
if (!exists("varsfile")) varsfile = datafile[1:strlen(datafile) - 4] . ".vars"
if (!exists("outfile")) outfile = datafile[1:strlen(datafile) - 4] . "." . fmt
load varsfile

width = 1200
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

if (!exists("palette")) { array palette[1] = ["#0072B2"] }
do for [i=1:|palette|] { set linetype i lc rgb palette[i] lw 1.5 }
set linetype cycle |palette|

# data layout: 1 time label, 2 memory label (labels first: gnuplot misreads
# an empty field that ends a line), 3 net ns/op (x drawn), 4-6 wall median,
# low, high (s), 7 time gap (1: no net figure, x is the left edge), 8 replay
# peak resident bytes (x drawn), 9-11 RSS median, low, high (bytes),
# 12 memory gap, 13 colour
set datafile separator "\t"
set datafile missing "NaN"
set grid xtics ytics lc rgb "#dddddd"
set border 3
set xtics nomirror
set ytics nomirror
set key off
set offsets graph 0.12, graph 0.25, graph 0.12, graph 0.12
set bmargin 5

set multiplot layout 1, 2 title sprintf("%s, whole program against the replay of its trace\n%s\n%s; %s; %d pairs ordered differently", \
    program, command, machine, share_note, disagreements) font ",13"

set title sprintf("time: rank correlation %s", rho_time)
set xlabel "replay net ns/op (the allocator alone)"
set ylabel sprintf("program wall time (%s, median)", tunit)
plot datafile using 3:($5 / tscale):(0):(($6 - $5) / tscale) with vectors \
         heads size screen 0.005, 90 lc rgb "#444444" lw 1, \
     datafile using 3:($7 > 0 ? NaN : $4 / tscale):13 with points pt 7 ps 1.8 lc variable, \
     datafile using 3:($7 > 0 ? $4 / tscale : NaN):13 with points pt 6 ps 1.8 lc variable, \
     datafile using 3:($4 / tscale):(strcol(1)) with labels left offset 1.2, 0.6 font ",10"

set title sprintf("memory: rank correlation %s", rho_memory)
set xlabel sprintf("replay peak resident (%s)", xunit)
set ylabel sprintf("program peak RSS (%s, median)", yunit)
plot datafile using ($8 / xscale):($10 / yscale):(0):(($11 - $10) / yscale) with vectors \
         heads size screen 0.005, 90 lc rgb "#444444" lw 1, \
     datafile using ($8 / xscale):($12 > 0 ? NaN : $9 / yscale):13 with points pt 7 ps 1.8 \
         lc variable, \
     datafile using ($8 / xscale):($12 > 0 ? $9 / yscale : NaN):13 with points pt 6 ps 1.8 \
         lc variable, \
     datafile using ($8 / xscale):($9 / yscale):(strcol(2)) with labels left offset 1.2, 0.6 \
         font ",10"
unset multiplot
