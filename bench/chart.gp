# chart.gp - grouped bars per metric, one bar per system with its min..max
# as an error bar, log scale y. The four systems of one substrate
# (spindle-g, go-guest, spindle-thread, pthread-guest) are solid; the
# host-native peers (go, linux-pthread) are hatched: a reference only.
# Called by tools/bench.sh with: the terminal and output already set,
# datafile (build/bench/chart.dat: a header row "metric s1 min max s2 min
# max ...", then "metric v lo hi ..." with "-" for no result), nsys
# (systems in it), nmain (how many of them, first, share the substrate),
# charttitle and chartsub (a second title line: machine, date).
set datafile missing "-"
set title charttitle . "\n" . chartsub noenhanced
set style data histograms
set style histogram errorbars gap 1 lw 1
set boxwidth 0.9
set logscale y 10
set format y "10^{%L}"
set ylabel "median, bar = min..max (ns, bytes or tasks; log scale)"
set grid ytics
set key top left noenhanced
set xtics rotate by -25 noenhanced nomirror
set yrange [0.5:*]
set bmargin 7
plot for [i=1:nmain] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) \
	title columnheader(3*i-1) fs solid 0.85 border -1, \
     for [i=nmain+1:nsys] datafile using (column(3*i-1)):(column(3*i)):(column(3*i+1)) \
	title columnheader(3*i-1) . " (host-native, reference)" fs pattern 4 border -1
