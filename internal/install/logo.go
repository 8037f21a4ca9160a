package install

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Logo colors: Go's cyan for the tile, white for the three parallel bars.
var (
	tileColor = color.NRGBA{R: 0x00, G: 0xAD, B: 0xD8, A: 0xFF}
	barColor  = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
)

// Logo draws the kernel logo, a rounded tile with three slanted parallel
// bars, as a size×size PNG. It is drawn rather than stored so every size is
// sharp; edges are smoothed by supersampling.
func Logo(size int) ([]byte, error) {
	if size < 8 || size > 1024 {
		return nil, fmt.Errorf("logo size %d out of range [8, 1024]", size)
	}
	const sub = 4 // samples per pixel along each axis
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var tile, bar int
			for sy := 0; sy < sub; sy++ {
				for sx := 0; sx < sub; sx++ {
					// u, v in [0, 1): the sample's position in the tile.
					u := (float64(x) + (float64(sx)+0.5)/sub) / float64(size)
					v := (float64(y) + (float64(sy)+0.5)/sub) / float64(size)
					if !inRoundedSquare(u, v, 0.2) {
						continue
					}
					tile++
					if inBars(u, v) {
						bar++
					}
				}
			}
			img.SetNRGBA(x, y, shade(tile, bar, sub*sub))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode %dx%d logo: %w", size, size, err)
	}
	return buf.Bytes(), nil
}

// shade mixes the bar color over the tile color by coverage; alpha is the
// share of samples inside the tile.
func shade(tile, bar, total int) color.NRGBA {
	if tile == 0 {
		return color.NRGBA{}
	}
	f := float64(bar) / float64(tile)
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-f) + float64(b)*f)) }
	return color.NRGBA{
		R: mix(tileColor.R, barColor.R),
		G: mix(tileColor.G, barColor.G),
		B: mix(tileColor.B, barColor.B),
		A: uint8(math.Round(255 * float64(tile) / float64(total))),
	}
}

// inRoundedSquare reports whether (u, v) lies in the unit square with
// corners rounded to radius r.
func inRoundedSquare(u, v, r float64) bool {
	dx := math.Max(math.Max(r-u, u-(1-r)), 0)
	dy := math.Max(math.Max(r-v, v-(1-r)), 0)
	return dx*dx+dy*dy <= r*r
}

// inBars reports whether (u, v) lies on one of three slanted bars.
func inBars(u, v float64) bool {
	if v < 0.22 || v > 0.78 {
		return false
	}
	// Shear so the bars lean right, then test three evenly spaced columns.
	s := u + 0.25*(v-0.5)
	for _, c := range []float64{0.3, 0.5, 0.7} {
		if math.Abs(s-c) <= 0.055 {
			return true
		}
	}
	return false
}
