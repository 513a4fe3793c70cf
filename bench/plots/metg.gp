set terminal svg size 960,600 dynamic font "sans,12" background rgb "white"
set output "metg.svg"
set title "Efficiency vs task duration: -n 2 (1 scheduler rank + 1 worker rank; worker cores = 1)"
set logscale x
set xlabel "task duration (µs of CPU time)"
set ylabel "efficiency = useful work / (wall time × worker cores)"
set yrange [0:1.5]
set grid
set key top left font ",10"
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb "black"
plot "../results/metg_corrected_cohort.dat" using 1:2:3:4 with yerrorlines lw 2 lc rgb "#4477aa" title "Cohort ClusterExecutor.map (÷ core share)", "../results/metg_corrected_raw_mpi.dat" using 1:2:3:4 with yerrorlines lw 2 lc rgb "#ee6677" title "raw MPI farm (÷ core share)", "../results/metg_corrected_mpi4py.dat" using 1:2:3:4 with yerrorlines lw 2 lc rgb "#228833" title "mpi4py.futures (÷ core share)", "../results/metg_raw_cohort.dat" using 1:2 with linespoints dt 2 lc rgb "#4477aa" title "Cohort ClusterExecutor.map (as measured)", "../results/metg_raw_raw_mpi.dat" using 1:2 with linespoints dt 2 lc rgb "#ee6677" title "raw MPI farm (as measured)", "../results/metg_raw_mpi4py.dat" using 1:2 with linespoints dt 2 lc rgb "#228833" title "mpi4py.futures (as measured)"
