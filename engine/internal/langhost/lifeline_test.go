package langhost

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
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

func TestBeginIsCancelledWhenTheHostStops(t *testing.T) {
	stopping, stop := context.WithCancel(context.Background())
	h := &Base{stopping: stopping}
	ctx, done := h.Begin(context.Background())
	if !h.Running() {
		t.Fatal("a begun run is not counted")
	}
	stop()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the run's context did not end when the host stopped")
	}
	done()
	if h.Running() {
		t.Fatal("a finished run is still counted")
	}
}

// The helper host of the tests below (this test binary run again with LANGHOST_TEST_HOST set): in a process group of
// its own, as the engine starts a host, it runs `sh` (which ignores SIGINT and SIGTERM, and starts a `sleep` that
// does too) as a host runs a program, writes the pids of both to $LANGHOST_TEST_PIDS, and waits for what stops it.
func TestMain(m *testing.M) {
	if os.Getenv("LANGHOST_TEST_HOST") == "" {
		os.Exit(m.Run())
	}
	if err := syscall.Setpgid(0, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	stopping, stop := context.WithCancel(context.Background())
	h := &Base{stopping: stopping}
	go lifeline(stop, h.Running)
	go onSignal(stop, h.Running)
	ctx, done := h.Begin(context.Background())
	script := `trap '' INT TERM; sleep 60 & echo "$$ $!" > "$LANGHOST_TEST_PIDS.tmp"; mv "$LANGHOST_TEST_PIDS.tmp" "$LANGHOST_TEST_PIDS"; wait`
	err := Command(ctx, "sh", "-c", script).Run()
	done()
	fmt.Fprintln(os.Stderr, "the program ended:", err)
	time.Sleep(time.Minute) // shutdown exits
	os.Exit(4)
}

// startHost starts the helper host through `sh` (its parent, as the engine is a host's); closing the returned
// writer ends that parent. It returns the helper, and the pids of the program and of its child once they run.
func startHost(t *testing.T) (*exec.Cmd, io.Closer, []int) {
	t.Helper()
	pids := filepath.Join(t.TempDir(), "pids")
	parent := exec.Command("sh", "-c", `"$0" -test.run=^$ & echo $!; read _`, os.Args[0])
	parent.Env = append(os.Environ(), "LANGHOST_TEST_HOST=1", "LANGHOST_TEST_PIDS="+pids)
	parent.Stderr = os.Stderr
	stdin, err := parent.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = parent.Wait() })
	var hostPid int
	if _, err := fmt.Fscan(stdout, &hostPid); err != nil {
		t.Fatal(err)
	}
	host := &exec.Cmd{Process: mustFind(t, hostPid)}
	var program []int
	for deadline := time.Now().Add(20 * time.Second); len(program) < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the helper host did not start its program")
		}
		if b, err := os.ReadFile(pids); err == nil {
			program = nil
			for _, f := range strings.Fields(string(b)) {
				n, _ := strconv.Atoi(f)
				program = append(program, n)
			}
		}
	}
	t.Cleanup(func() {
		for _, p := range append(program, hostPid) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	})
	return host, stdin, program
}

func mustFind(t *testing.T, pid int) *os.Process {
	t.Helper()
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// alive: pid runs (neither gone nor a zombie: orphans here may never be reaped).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	return !strings.HasPrefix(s[strings.LastIndex(s, ")")+1:], " Z")
}

// waitGone waits up to 10 s for none of pids to run, and says which still do.
func waitGone(pids ...int) []int {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
	}
}

func TestAHostClosedWithSIGINTEndsWhatItRunsEvenWhatIgnoresTheSignal(t *testing.T) {
	host, _, program := startHost(t)
	// As the engine closes a host: SIGINT to its process group (the program ignores it).
	if err := syscall.Kill(-host.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if left := waitGone(append(program, host.Process.Pid)...); len(left) > 0 {
		t.Fatalf("still running after SIGINT (host %d, program and its child %v): %v", host.Process.Pid, program, left)
	}
}

func TestAHostWhoseEngineIsGoneEndsWhatItRunsAndExits(t *testing.T) {
	host, parent, program := startHost(t)
	parent.Close() // the parent (the engine) exits: the host is re-parented
	if left := waitGone(append(program, host.Process.Pid)...); len(left) > 0 {
		t.Fatalf("still running after the parent exited (host %d, program and its child %v): %v", host.Process.Pid, program, left)
	}
}
