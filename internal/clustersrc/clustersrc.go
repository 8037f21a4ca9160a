// Package clustersrc carries the source of parallel/cluster for the
// kernel to give cells, as module.go's embedded source does for the rest
// of the libraries. parallel/cluster is a module of its own, so that only
// programs that use it download and build Apache Beam, and //go:embed
// stops at a module's boundary; so its files are kept here as an archive,
// which a test keeps equal to them (go test -run Archive -update).
package clustersrc

import (
	_ "embed"

	"golang.org/x/tools/txtar"
)

// Dir is where the module's files go, relative to this module's root.
const Dir = "parallel/cluster"

//go:embed cluster.txtar
var archive []byte

// Files returns the files of the module that cells build against: its
// go.mod and go.sum and the package's source, without tests, with paths
// relative to Dir.
func Files() []txtar.File {
	return txtar.Parse(archive).Files
}
