package langhost

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The engine runs each plugin in a process group of its own, so when the CLI is killed (a cancelled CI job,
// `kill -9` of its process group) a host is left running, and so is what it started (a build, a program, an
// install). The engine is the host's parent: when the parent changes (the host was re-parented), the engine is gone.
//
// The engine closes a host by signalling the host's process group (SIGINT; SIGKILL 5 s later, and only if the host
// itself is still there), also while a program runs (a deployment that fails at preview). What the host runs gets
// the signal too, but what ignores it would outlive a host that died of it, and the Go host's temporary build would
// stay behind.
//
// Either way the host cancels what it runs (each command is killed with its context), gives the runs up to two
// seconds to clean up after themselves, ends what is left of its process group (what those commands started: the
// compiler and linker under `go build`, a program's children) and exits.

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

// lifeline stops the host when its engine is gone.
func lifeline(stop context.CancelFunc, running func() bool) {
	if watchParent(context.Background(), os.Getppid, lifelinePeriod) {
		shutdown(stop, running)
	}
}

// onSignal stops the host when the engine closes it (SIGINT) or it is asked to end (SIGTERM).
func onSignal(stop context.CancelFunc, running func() bool) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	shutdown(stop, running)
}

// shutdown cancels what the host runs (stop), gives the runs up to two seconds to end, ends what is left of the
// host's process group, and exits.
func shutdown(stop context.CancelFunc, running func() bool) {
	stop()
	for deadline := time.Now().Add(2 * time.Second); running() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	// The engine made the host the leader of a group of its own: what is left in it was started by the host.
	if syscall.Getpgrp() == os.Getpid() {
		_ = syscall.Kill(0, syscall.SIGKILL)
	}
	os.Exit(1)
}
