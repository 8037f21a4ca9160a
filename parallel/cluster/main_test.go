package cluster

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
)

// The test binary is its own Prism job server and its own worker, so
// that the tests can run jobs with workers in separate processes, as on
// a cluster, without building anything else.
const jobServerEnv = "GOPAR_CLUSTER_TEST_JOB_SERVER_PORT"

func init() {
	Register(square, slowSquare, panicsOnSeven, words, sum, identity)
}

func TestMain(m *testing.M) {
	Init()
	if port := os.Getenv(jobServerEnv); port != "" {
		os.Exit(serveJobs(port))
	}
	os.Exit(m.Run())
}

// serveJobs runs a Prism job server on port until SIGINT or SIGTERM.
func serveJobs(port string) int {
	p, err := strconv.Atoi(port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := prism.CreateJobServer(ctx, prism.Options{Port: p}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("serving")
	<-ctx.Done()
	return 0
}
