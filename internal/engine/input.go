package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/gopar/gopar/internal/cell"
)

// inputAsk is GoNB's %with_inputs or %with_password: the cell's next !
// command reads what the user types in the front end, masked for a
// password. A cell's program is asked for input whenever it reads
// anyway; %with_password masks what it is given.
type inputAsk struct {
	password bool
	magic    string // the line that asked, for notes
}

// passwordSink asks the front end for input masked, as %with_password
// wants for a cell's program.
type passwordSink struct {
	cell.InputSink
}

func (s passwordSink) Input(ctx context.Context, prompt string, _ bool) (string, error) {
	return s.InputSink.Input(ctx, prompt, true)
}

// stdinFeed is the kernel's end of a command's standard input, written a
// line at a time with what the front end answers.
type stdinFeed struct {
	r, w *os.File
	// pipe is how /proc names the pipe ("pipe:[INODE]"), to tell a
	// process reading this pipe from one reading another stdin.
	pipe string
}

func newStdinFeed() (*stdinFeed, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	info, err := r.Stat()
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		r.Close()
		w.Close()
		return nil, errors.New("stdin pipe: no inode")
	}
	return &stdinFeed{r: r, w: w, pipe: "pipe:[" + strconv.FormatUint(st.Ino, 10) + "]"}, nil
}

// feed asks the front end for a line whenever a process of the group pgid
// waits reading the pipe, until ctx ends or no more input can come; then
// the command reads end of file. A bash `read`, a `cat` or a program a
// script started all count, since the whole group is watched.
func (f *stdinFeed) feed(ctx context.Context, pgid int, ask inputAsk, sink cell.Sink) {
	defer f.w.Close()
	in, ok := sink.(cell.InputSink)
	if !ok {
		return
	}
	t := time.NewTicker(stdinPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !groupReadingPipe(pgid, f.pipe) {
			continue
		}
		line, err := in.Input(ctx, "", ask.password)
		if errors.Is(err, cell.ErrNoStdin) {
			sink.Stream("stderr", fmt.Sprintf("%%%s: the front end sends no input here (allow_stdin is false): the command reads end of file\n", ask.magic))
		}
		if err != nil {
			return
		}
		if _, err := io.WriteString(f.w, line+"\n"); err != nil {
			return // the command is gone
		}
	}
}

// groupReadingPipe reports whether a process of the group pgid is blocked
// reading its standard input, and that input is pipe.
func groupReadingPipe(pgid int, pipe string) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readProcStat(pid); !ok || st.pgrp != pgid {
			continue
		}
		if link, err := os.Readlink("/proc/" + e.Name() + "/fd/0"); err != nil || link != pipe {
			continue
		}
		if blockedReadingStdin(pid) {
			return true
		}
	}
	return false
}
