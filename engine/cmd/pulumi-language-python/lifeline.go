package main

import (
	"context"
	"os"
	"time"
)

// The engine runs each plugin in a process group of its own, so when the CLI is killed (a cancelled CI job,
// `kill -9` of its process group) this host is left running, and so is the program it started. The engine is
// this host's parent: when the parent changes (we were re-parented), the engine is gone, and the host cancels
// the programs it runs (python is killed with the Run's context) and exits.

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

// lifeline stops the host when its engine is gone: stop cancels the running programs, then the host exits.
func lifeline(stop context.CancelFunc, running func() bool) {
	if !watchParent(context.Background(), os.Getppid, lifelinePeriod) {
		return
	}
	stop()
	for deadline := time.Now().Add(2 * time.Second); running() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	os.Exit(1)
}
