package main

import (
	"time"

	"github.com/gopar/gopar/internal/cell"
	"github.com/gopar/gopar/internal/engine"
)

// gradeEngine is a fresh engine for grading one notebook, whose cells'
// programs stop after timeout.
func gradeEngine(timeout time.Duration) (cell.Runner, error) {
	dir, err := extractModule()
	if err != nil {
		return nil, err
	}
	return engine.New(engine.Options{ModuleDir: dir, Version: version(), Timeout: timeout})
}
