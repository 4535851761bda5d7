// Package browsertest starts a headless Chromium for tests, driven by chromedp.
//
// The browser is $LORE_CHROMIUM, else the first of chromium, chromium-browser and google-chrome
// on PATH. Without one, tests skip, unless LORE_REQUIRE_BROWSER=1 (as in CI), when they fail.
// When a test fails and LORE_ARTIFACTS_DIR is set, a screenshot of the page is saved there.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// StepTimeout bounds each call of Browser.Do.
const StepTimeout = 30 * time.Second

// Find returns the browser to run: $LORE_CHROMIUM when set, else the first of chromium,
// chromium-browser and google-chrome found on PATH, else "".
func Find() string {
	if p := os.Getenv("LORE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless browser with one tab.
type Browser struct {
	// Ctx is the chromedp context of the tab, for actions this package does not wrap.
	Ctx context.Context
	t   testing.TB

	mu      sync.Mutex
	console []string
}

// Start launches a headless browser for t, or skips t when none is installed (fails it when
// LORE_REQUIRE_BROWSER=1). The browser stops when t ends, after a failure screenshot.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("LORE_REQUIRE_BROWSER") == "1" {
			t.Fatal("a browser is required (LORE_REQUIRE_BROWSER=1) but none was found: install chromium or set LORE_CHROMIUM")
		}
		t.Skip("no chromium found; install it or set LORE_CHROMIUM (LORE_REQUIRE_BROWSER=1 turns this skip into a failure)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{Ctx: ctx, t: t}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout on purpose
		t.Fatalf("start %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	// Registered after the browser's own cleanup, so it runs first, while the page is open.
	t.Cleanup(func() {
		if t.Failed() {
			b.SaveScreenshot("failure")
		}
	})
	return b
}

// Do runs steps in the tab within StepTimeout and fails the test on error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v (at %s)", err, b.location())
	}
}

// Text returns the visible text of the first element matching the CSS selector sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, StepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v (at %s)", sel, err, b.location())
	}
	return strings.TrimSpace(s)
}

// Location returns the URL of the tab.
func (b *Browser) Location() string { return b.location() }

func (b *Browser) location() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown location"
	}
	return u
}

// ConsoleErrors returns the console errors and uncaught exceptions seen so far, such as
// Content-Security-Policy violations.
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SaveScreenshot writes a full-page PNG to $LORE_ARTIFACTS_DIR/<test>-<name>.png; it does
// nothing when the variable is unset. Errors are logged, not fatal.
func (b *Browser) SaveScreenshot(name string) {
	dir := os.Getenv("LORE_ARTIFACTS_DIR")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		file := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name()+"-"+name, "_")+".png")
		err = os.WriteFile(file, png, 0o644)
		if err == nil {
			b.t.Logf("screenshot saved to %s", file)
		}
	}
	if err != nil {
		b.t.Logf("screenshot: %v", fmt.Errorf("save %s: %w", name, err))
	}
}
