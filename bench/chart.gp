# chart.gp - grouped bars per metric, one bar per system, log scale y.
# Called by tools/bench.sh with: the terminal and output already set,
# datafile (build/bench/chart.dat: a header row, then "metric v1 v2 ..."
# with "-" for no result), ncols (columns in it), charttitle and chartsub
# (a second title line: machine, date).
set datafile missing "-"
set title charttitle . "\n" . chartsub noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set format y "10^{%L}"
set ylabel "value (ns, bytes or tasks; log scale)"
set grid ytics
set key top left noenhanced
set xtics rotate by -25 noenhanced nomirror
set yrange [0.5:*]
set bmargin 7
plot for [i=2:ncols] datafile using i:xtic(1) title columnheader(i)
