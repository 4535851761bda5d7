// Package testaws runs a local moto_server (the Python AWS emulator, `moto[server]`) for tests
// of code that calls AWS Secrets Manager, KMS or STS. Nothing global is set: tests get an
// aws.Config (static credentials, region us-east-1, BaseEndpoint pointing at moto) and the
// endpoint URL, and pass them on.
//
// When moto_server is not on PATH the tests skip, unless LORE_REQUIRE_MOTO=1, when they fail.
//
// Per test:
//
//	m := testaws.Start(t)
//	client := kms.NewFromConfig(m.Config)
//
// Once per package (one server shared by every test; tests must use unique resource names):
//
//	func TestMain(m *testing.M) { os.Exit(testaws.Main(m)) }
//	…
//	srv := testaws.Shared(t)
package testaws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region of the returned configuration.
const Region = "us-east-1"

// Server is a running moto_server.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL string
	// Config talks to the server: static dummy credentials, Region, BaseEndpoint = URL.
	Config aws.Config

	cmd  *exec.Cmd
	done chan struct{}
}

// ErrNotInstalled is returned by StartServer when moto_server is not on PATH.
var ErrNotInstalled = errors.New("testaws: moto_server is not on PATH")

// StartServer starts moto_server on a free loopback port and waits until it answers. The
// caller must Close it. It returns ErrNotInstalled when moto_server is missing.
func StartServer() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding: retry
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := start(bin, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testaws: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin string, port int) (*Server, error) {
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so Close stops its children too
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testaws: start moto_server: %w", err)
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("testaws: moto_server exited before answering on port %d", port)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, fmt.Errorf("testaws: moto_server did not answer on %s within 30s", s.URL)
		}
	}
	s.Config = aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(s.URL),
	}
	return s, nil
}

// Close stops the server (its whole process group) and waits for it to exit.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
}

// Start starts a server for t and stops it when t ends. It skips t when moto_server is
// missing, or fails it when LORE_REQUIRE_MOTO=1.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := StartServer()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(s.Close)
	return s
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("LORE_REQUIRE_MOTO") == "1" {
		t.Fatalf("moto_server is required (LORE_REQUIRE_MOTO=1): %v", err)
	}
	t.Skipf("skipping AWS emulator test: %v (install moto[server], or set LORE_REQUIRE_MOTO=1 to make this fail)", err)
}

var shared struct {
	mu      sync.Mutex
	enabled bool
	srv     *Server
	err     error
}

// Main runs the package's tests with a shared server that Shared starts on first use, and
// stops it afterwards. Use it from TestMain: os.Exit(testaws.Main(m)).
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.srv != nil {
		shared.srv.Close()
	}
	shared.mu.Unlock()
	return code
}

// Shared returns the package's shared server, starting it on first use. Without Main in
// TestMain it falls back to Start (a server for t alone). It skips or fails t like Start.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		return Start(t)
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = StartServer()
	}
	if shared.err != nil {
		unavailable(t, shared.err)
	}
	return shared.srv
}

// Context returns a context for one AWS call in a test, cancelled when t ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
