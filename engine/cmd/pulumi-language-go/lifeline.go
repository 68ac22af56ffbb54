package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The engine runs each plugin in a process group of its own, so when the CLI is killed (a cancelled CI job,
// `kill -9` of its process group) this host is left running, and so is the `go build` or the program it started.
// The engine is this host's parent: when the parent changes (we were re-parented), the engine is gone, and the
// host cancels what it runs (the build and the program are killed with the Run's context), then ends its whole
// process group (the compiler and linker `go build` started are in it too) and exits. (The same watch as
// pulumi-language-nodejs's: each host is a main package of its own.)

// lifelinePeriod is how often the parent is looked at.
const lifelinePeriod = 500 * time.Millisecond

// watchParent returns when getppid no longer returns what it returned first (two looks in a row), or when ctx ends.
func watchParent(ctx context.Context, getppid func() int, period time.Duration) bool {
	parent := getppid()
	strikes := 0
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if getppid() != parent {
			strikes++
		} else {
			strikes = 0
		}
		if strikes >= 2 {
			return true
		}
	}
}

// lifeline stops the host when its engine is gone: stop cancels the running builds and programs, then the host
// ends what is left of its process group and exits.
func lifeline(stop context.CancelFunc, running func() bool) {
	if !watchParent(context.Background(), os.Getppid, lifelinePeriod) {
		return
	}
	wind(stop, running)
	// The engine made this host the leader of a group of its own: what is left in it was started by this host.
	if syscall.Getpgrp() == os.Getpid() {
		_ = syscall.Kill(0, syscall.SIGKILL)
	}
	os.Exit(1)
}

// onSignal stops the host when the engine closes it: the engine signals the host's process group (SIGINT, SIGKILL
// a moment later if it is still there), and a deployment that fails closes the host while the program runs. The
// program gets the signal too; the host waits for the Run to clean up after it (it kills the program, removes a
// temporary build), then exits.
func onSignal(stop context.CancelFunc, running func() bool) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	wind(stop, running)
	os.Exit(1)
}

// wind cancels what the host runs and gives the runs up to two seconds to end.
func wind(stop context.CancelFunc, running func() bool) {
	stop()
	for deadline := time.Now().Add(2 * time.Second); running() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}
