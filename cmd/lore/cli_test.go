package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lorehq/lore/internal/testaws"
)

// loreBin is the lore binary built once for the package's end-to-end tests.
var loreBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lore-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	loreBin = filepath.Join(dir, "lore")
	if out, err := exec.Command("go", "build", "-o", loreBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build lore: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := testaws.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// testPassword is long enough for Lore's password rules.
const testPassword = "correct-horse-battery"

// baseEnv is the test process's environment without LORE_* and AWS_* variables, so that a
// developer's settings cannot change what a subprocess does.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LORE_") || strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// result is a finished lore command.
type result struct {
	code           int
	stdout, stderr string
}

// runLore runs lore with stdin and returns its exit code and output. With extra environment
// variables it runs the binary in a fresh working directory; without, it calls run in this
// process, which is the same code without the cost of a process start.
func runLore(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if len(env) == 0 {
		var out, errb syncBuffer
		code := run(ctx, args, strings.NewReader(stdin), &out, &errb)
		return result{code: code, stdout: out.String(), stderr: errb.String()}
	}
	cmd := exec.CommandContext(ctx, loreBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("lore %v: %v", args, err)
	}
	return r
}

// mustLore runs lore and fails t unless it exits 0.
func mustLore(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	r := runLore(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("lore %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// wantOneLineError checks that r failed with exactly one line on stderr that holds every
// part of want.
func wantOneLineError(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit 0, want failure; stdout %q", r.stdout)
	}
	msg := strings.TrimRight(r.stderr, "\n")
	if msg == "" || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "lore: ") {
		t.Fatalf("want one line \"lore: …\" on stderr, got %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
		t.Errorf("message looks like a crash: %q", msg)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `lore serve`.
type server struct {
	URL    string
	cmd    *exec.Cmd
	log    *syncBuffer
	done   chan struct{}
	code   int
	client *http.Client
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startLore starts `lore serve` with args (an --addr is added) and returns once it exited or
// answers /healthz; ok reports the latter. The server is stopped when t ends.
func startLore(t *testing.T, env []string, args ...string) (s *server, ok bool) {
	t.Helper()
	addr := freeAddr(t)
	scheme := "http"
	for _, a := range args {
		if a == "--tls-self-signed" {
			scheme = "https"
		}
	}
	cmd := exec.Command(loreBin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(baseEnv(), env...)
	s = &server{URL: scheme + "://" + addr, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{}),
		client: &http.Client{
			Timeout:       10 * time.Second,
			Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		s.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			s.code = ee.ExitCode()
		} else if err != nil {
			s.code = -1
		}
		close(s.done)
	}()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return s, false
		default:
		}
		if resp, err := s.client.Get(s.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("lore serve did not answer within 60s; log:\n%s", s.log.String())
	return s, false
}

// serve starts `lore serve` and fails t unless it comes up.
func serve(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	s, ok := startLore(t, env, args...)
	if !ok {
		t.Fatalf("lore serve exited with %d:\n%s", s.code, s.log.String())
	}
	return s
}

// exited waits for a server that is expected to stop by itself and returns its exit code.
func (s *server) exited(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
		return s.code
	case <-time.After(60 * time.Second):
		t.Fatalf("lore serve still runs; log:\n%s", s.log.String())
		return 0
	}
}

// stop sends SIGTERM, waits for the exit and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
		return s.code
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("lore serve ignored SIGTERM for 30s; log:\n%s", s.log.String())
	}
	return s.code
}

// api calls the JSON API with a bearer token, decodes the answer into out when not nil and
// returns the status.
func (s *server) api(t *testing.T, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: status %d, body %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// createAdmin creates an admin with the CLI and returns an API token for it.
func createAdmin(t *testing.T, env []string, storeArgs ...string) string {
	t.Helper()
	mustLore(t, env, testPassword, append([]string{"users", "create", "--email", "a@example.com", "--password-stdin", "--admin"}, storeArgs...)...)
	tok := strings.TrimSpace(mustLore(t, env, "", append([]string{"tokens", "create", "--email", "a@example.com"}, storeArgs...)...))
	if tok == "" || strings.ContainsAny(tok, " \n") {
		t.Fatalf("tokens create printed %q", tok)
	}
	return tok
}

// hashDir returns the SHA-256 of every regular file under dir by relative path.
func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantUnchanged checks that every file of before is unchanged in dir and that no file but a
// lock file was added.
func wantUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := hashDir(t, dir)
	for name, sum := range before {
		if after[name] != sum {
			t.Errorf("%s changed or vanished", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok && !strings.HasSuffix(name, ".lock") {
			t.Errorf("%s was created", name)
		}
	}
}

// grepDir fails t when any file under dir holds any of needles.
func grepDir(t *testing.T, dir string, needles ...string) {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		n += len(b)
		for _, s := range needles {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in plain text", filepath.Base(p), s)
			}
		}
		return nil
	})
	if n == 0 {
		t.Fatalf("no bytes under %s to search", dir)
	}
}
