package langhost

import (
	"bytes"
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A command's stdout and stderr are copied by two goroutines: the stream sees one message at a time, each a copy.
func TestStreamsSendOneAtATime(t *testing.T) {
	var inside, overlaps atomic.Int32
	var mu sync.Mutex
	var out, errs bytes.Buffer
	record := func(to *bytes.Buffer) func([]byte) error {
		return func(b []byte) error {
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(time.Millisecond) // long enough for the other writer to come in
			mu.Lock()
			to.Write(b)
			mu.Unlock()
			inside.Add(-1)
			return nil
		}
	}
	stdout, stderr := Streams(record(&out), record(&errs))
	cmd := exec.Command("sh", "-c", `i=0; while [ $i -lt 200 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done`)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d sends overlapped another", n)
	}
	var wantOut, wantErr bytes.Buffer
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&wantOut, "out %d\n", i)
		fmt.Fprintf(&wantErr, "err %d\n", i)
	}
	if out.String() != wantOut.String() || errs.String() != wantErr.String() {
		t.Errorf("the streams lost or mixed output:\nstdout %q\nstderr %q", out.String(), errs.String())
	}
}

func TestStreamsSendACopy(t *testing.T) {
	var sent []byte
	stdout, _ := Streams(func(b []byte) error { sent = b; return nil }, nil)
	p := []byte("first")
	if _, err := stdout.Write(p); err != nil {
		t.Fatal(err)
	}
	copy(p, "reuse")
	if string(sent) != "first" {
		t.Errorf("the message changed with the caller's buffer: %q", sent)
	}
}
