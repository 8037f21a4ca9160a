// Package timeunit chooses how timing's tables and charts write durations.
package timeunit

// For picks the unit for an axis or column up to max seconds, and the
// factor from seconds to it.
func For(max float64) (string, float64) {
	switch {
	case max >= 1:
		return "s", 1
	case max >= 1e-3:
		return "ms", 1e3
	case max >= 1e-6:
		return "µs", 1e6
	}
	return "ns", 1e9
}
