// Package cluster runs parallel's Map and MapReduce as Apache Beam
// pipelines, so that a notebook that outgrows one machine keeps its shape:
//
//	squares, err := cluster.Map(xs, slowSquare)                       // Prism, in this process
//	squares, err := cluster.Map(xs, slowSquare, cluster.On("host:8099")) // a portable job server
//
// Results and errors mean what they mean for parallel.Map and
// parallel.MapReduce: results in input order, a panic becomes an
// *ItemError naming the item.
//
// # Runners
//
// Without options a call runs on Beam's Prism runner inside this process,
// on every core, with nothing to start. On(endpoint) submits the same
// pipeline to a portable job server instead: Prism started as its own
// process, Flink's or Spark's job server, each of whose workers runs this
// same program. Runner names a runner registered with Beam instead, such
// as Google Cloud Dataflow's, whose options travel with Flag.
//
// # Functions travel by name
//
// A worker is this program started again; it cannot receive a function
// value, only its name. So the functions given to Map and MapReduce must
// be top-level functions, and a worker started anew must know them:
// Register them in an init function, and call Init first thing in main.
// In the gopar kernel both happen for the functions cells declare. A
// function literal or method value is refused with an error: the
// variables it captures cannot travel. The items, results, keys and
// values travel with Beam's coders, and a type Beam cannot encode is an
// error naming it.
//
// # Cost
//
// A job has a fixed cost (building, submitting and following the
// pipeline: some 15 ms on Prism in process) and each item is encoded,
// sent and decoded. It pays when items are slow or the cluster is large;
// on one machine, parallel is faster.
//
// Beam's runners log through log/slog; a program that has not installed
// a slog handler of its own sees only their errors.
package cluster
