package timing

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// median returns the median of ds, the mean of the middle two for an even
// count; ds must not be empty.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// seconds formats a time in seconds with three significant digits and a
// unit that keeps the number between 1 and 1000, as IPython's %timeit
// does: "1.23 s", "456 ms", "7.89 µs", "63.2 ns". A minute or more is
// written in minutes and seconds, or hours: "1min 3s", "2h 5min".
func seconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return strconv.FormatFloat(s, 'g', -1, 64)
	}
	if s >= 60 {
		var parts []string
		left := s
		for _, u := range []struct {
			name string
			len  float64
		}{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}} {
			if v := math.Floor(left / u.len); v > 0 {
				left -= v * u.len
				parts = append(parts, fmt.Sprintf("%.0f%s", v, u.name))
			}
			if left < 1 {
				break
			}
		}
		return strings.Join(parts, " ")
	}
	units := []string{"s", "ms", "µs", "ns"}
	order := 3
	if s > 0 {
		order = min(int(-math.Floor(math.Log10(s)/3)), 3)
		order = max(order, 0)
	}
	return fmt.Sprintf("%.3g %s", s*math.Pow(1000, float64(order)), units[order])
}

// duration formats d as seconds does.
func duration(d time.Duration) string { return seconds(d.Seconds()) }

// ratio formats a speedup or a ratio of times: "1.93×", "12.4×", "0.52×".
func ratio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return strconv.FormatFloat(r, 'f', ratioDigits(r), 64) + "×"
}

func ratioDigits(r float64) int {
	switch {
	case r >= 100:
		return 0
	case r >= 10:
		return 1
	}
	return 2
}

// percent formats a fraction as a percentage: "96%", "5.2%".
func percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	if p := f * 100; p < 10 {
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(f*100, 'f', 0, 64) + "%"
}

// plural returns "1 run", "3 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
