// Package hosttest holds what the tests of the language hosts (engine/cmd/pulumi-language-*) share.
package hosttest

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

// Options are the runtime options of Pulumi.yaml (ProgramInfo.Options) made of m.
func Options(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Env is the value of key in the environment env, and whether it is set there (the last assignment wins, as for
// exec).
func Env(env []string, key string) (string, bool) {
	for _, kv := range slices.Backward(env) {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v, true
		}
	}
	return "", false
}
