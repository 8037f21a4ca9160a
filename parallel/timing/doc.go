// Package timing measures how long code takes and how it scales with
// workers, for notebook cells: the numbers behind "is it faster in
// parallel, and by how much".
//
// Sweep runs a function at several worker counts and reports, per count,
// the median, least and greatest time, the speedup over one worker and the
// efficiency, with Amdahl's law fitted to the times:
//
//	r := timing.Sweep(func(w int) {
//		parallel.Map(xs, slowSquare, parallel.Workers(w))
//	})
//	r            // as a cell's value: a table and a chart
//	r.Speedup(2) // 1.93
//	r.Fit.Serial // the fitted serial fraction, when three or more counts were timed
//
// Compare times named functions against each other ("sequential",
// "parallel"), It times one as IPython's %timeit does (the kernel's %timeit
// magic uses it), and Amdahl and FitAmdahl are Amdahl's law itself.
//
// # Honest numbers
//
// Times are wall-clock, taken after an untimed warm-up run, and reported as
// medians, which one slow run caused by something else on the machine does
// not move; results say how many runs they are based on. The Amdahl fit is
// a least-squares fit to the measured medians, and there is none with
// fewer than three worker counts. Rows with more workers than cores, and
// speedups above the worker count, are marked rather than passed off as
// scaling.
//
// Results show as HTML tables with SVG charts drawn by this package, which
// needs no plotting library; package timingplot draws them with
// gonum.org/v1/plot instead, to adjust or combine with other plots.
package timing
