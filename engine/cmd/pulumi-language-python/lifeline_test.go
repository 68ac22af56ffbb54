package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestWatchParentReturnsWhenTheParentChanges(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(42)
	got := make(chan bool, 1)
	go func() {
		got <- watchParent(context.Background(), func() int { return int(ppid.Load()) }, time.Millisecond)
	}()
	select {
	case <-got:
		t.Fatal("returned while the parent lives")
	case <-time.After(50 * time.Millisecond):
	}
	ppid.Store(1) // re-parented: the engine died
	select {
	case gone := <-got:
		if !gone {
			t.Fatal("watchParent returned false for a changed parent")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a changed parent was not noticed")
	}
}

func TestHostBeginIsCancelledWhenTheHostStops(t *testing.T) {
	stopping, stop := context.WithCancel(context.Background())
	h := &host{stopping: stopping}
	ctx, done := h.begin(context.Background())
	if !h.running() {
		t.Fatal("a begun run is not counted")
	}
	stop()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the run's context did not end when the host stopped")
	}
	done()
	if h.running() {
		t.Fatal("a finished run is still counted")
	}
}
