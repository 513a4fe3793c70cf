set terminal svg size 900,520 dynamic font "sans,12" background rgb "white"
set output "throughput.svg"
set title "Empty tasks per second (median, min-max)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set ylabel "tasks/s"
set logscale y
set format y "10^{%L}"
set xrange [-0.5:6.5]
set grid ytics
set xtics rotate by -25 left
set bmargin 11
set rmargin 16
unset key
plot "../results/throughput.dat" using 0:2:3:4:(0.3):xticlabels(1) with boxerrorbars lc rgb "#4477aa"
