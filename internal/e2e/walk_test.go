package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lorehq/lore/internal/browsertest"
	"github.com/lorehq/lore/internal/loretest"
)

// walk is one run of the product flow in one browser against one Lore.
type walk struct {
	t      *testing.T
	b      *browsertest.Browser
	l      *loretest.Lore
	wh     *loretest.Warehouse
	db     string // the warehouse database, as the tree shows it
	connID int64
	// tables maps "schema.table" to the stored table id, filled after processing.
	tables map[string]int64
	// shots holds a screenshot of each passed step, written out only if the walk fails.
	shots []shot
}

type shot struct {
	name string
	png  []byte
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// keepShot takes a screenshot of the page after a passed step when LORE_ARTIFACTS_DIR is set.
func (w *walk) keepShot(name string) {
	if os.Getenv("LORE_ARTIFACTS_DIR") == "" {
		return
	}
	ctx, cancel := context.WithTimeout(w.b.Ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil {
		w.shots = append(w.shots, shot{name, png})
	}
}

// writeShots writes the kept screenshots of the passed steps into LORE_ARTIFACTS_DIR when the
// test failed, so that the artefacts show the whole walk up to the failing step.
func (w *walk) writeShots() {
	dir := os.Getenv("LORE_ARTIFACTS_DIR")
	if dir == "" || !w.t.Failed() {
		return
	}
	for _, s := range w.shots {
		file := filepath.Join(dir, unsafeName.ReplaceAllString(w.t.Name()+"-"+s.name, "_")+".png")
		if err := os.WriteFile(file, s.png, 0o644); err != nil {
			w.t.Logf("screenshot %s: %v", s.name, err)
		}
	}
}

// step runs one named step of the walk, logs its time and, when the step makes the test fail,
// saves a screenshot named after the store (the subtest) and the step.
func (w *walk) step(name string, fn func()) {
	w.t.Helper()
	failedBefore := w.t.Failed()
	start := time.Now()
	defer func() {
		if w.t.Failed() && !failedBefore {
			w.b.SaveScreenshot(name)
		}
	}()
	fn()
	w.keepShot(name)
	w.t.Logf("step %s: %s", name, time.Since(start).Round(time.Millisecond))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](w *walk, expr string) T {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.b.Ctx, browsertest.StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		w.t.Fatalf("evaluate %s: %v (at %s)", expr, err, w.b.Location())
	}
	return v
}

// waitFor polls the page every 100 ms until the JavaScript expression is true, or fails the
// test after timeout with what it was waiting for and the text of the element diag.
func (w *walk) waitFor(what string, timeout time.Duration, expr, diag string) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(w.b.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("waited %s for %s (last error %v); %s shows: %q", timeout, what, err, diag, w.textOf(diag))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// textOf returns the text of the first element matching sel, or "" when there is none.
func (w *walk) textOf(sel string) string {
	b, _ := json.Marshal(sel)
	return strings.TrimSpace(eval[string](w, fmt.Sprintf(`(function(){var e=document.querySelector(%s);return e?e.innerText:"";})()`, b)))
}

// count returns the number of elements matching sel.
func (w *walk) count(sel string) int {
	b, _ := json.Marshal(sel)
	return eval[int](w, fmt.Sprintf(`document.querySelectorAll(%s).length`, b))
}

// nav clicks the sidebar link to href and waits until it is the active page.
func (w *walk) nav(href string) {
	w.t.Helper()
	w.b.Do(chromedp.Click(chromedp.CSS(".sidebar a[href='"+href+"']")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar a.active[href='"+href+"']")))
}

// signIn fills the login form as email and waits for the portal.
func (w *walk) signIn(email string) {
	w.t.Helper()
	w.b.Do(chromedp.WaitVisible(chromedp.CSS("form[action='/login']")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), loretest.AdminPassword),
		chromedp.Click(chromedp.CSS("form[action='/login'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".sidebar")))
}

// panel is what the processing panel shows.
type panel struct {
	Status string `json:"status"`
	Run    string `json:"run"` // e.g. "process run 1"
	// Rows maps each table row to its job badges, e.g. "profile: done".
	Rows map[string][]string `json:"rows"`
	Text string              `json:"text"`
}

const panelJS = `(function(){
  var p = document.getElementById("run-panel");
  if (!p) return JSON.stringify({text: "no panel"});
  var head = p.querySelector(".run-head"), rows = {};
  p.querySelectorAll(".run-row").forEach(function (r) {
    rows[r.querySelector("a").textContent.trim()] = Array.from(r.querySelectorAll(".run-jobs .badge")).map(function (b) { return b.textContent.trim(); });
  });
  return JSON.stringify({status: head ? head.querySelector(".badge").textContent.trim() : "",
    run: head ? head.querySelector(".muted").textContent.trim() : "", rows: rows, text: p.innerText});
})()`

func (w *walk) panel() panel {
	var p panel
	if err := json.Unmarshal([]byte(eval[string](w, panelJS)), &p); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// waitRun watches the panel, without reloading the page, until it shows a run of kind other
// than the run labelled prev that has ended, and returns it with how many times the panel was
// seen while that run was still active. A failed or cancelled run fails the test.
func (w *walk) waitRun(kind, prev string, timeout time.Duration) (panel, int) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	live := 0
	for {
		p := w.panel()
		if p.Run != "" && p.Run != prev && strings.HasPrefix(p.Run, kind+" run") {
			switch p.Status {
			case "queued", "running":
				live++
			case "done":
				return p, live
			default:
				w.t.Fatalf("%s ended %s; the panel shows:\n%s", p.Run, p.Status, p.Text)
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no %s run ended within %s; the panel shows:\n%s", kind, timeout, p.Text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkAllDone fails the test unless the panel lists exactly the tables want (matched by
// suffix "schema.table"), each with a done profile job and a done describe job.
func (w *walk) checkAllDone(p panel, want []string) {
	w.t.Helper()
	if len(p.Rows) != len(want) {
		w.t.Errorf("the panel lists %d tables, want %d:\n%s", len(p.Rows), len(want), p.Text)
	}
	for _, name := range want {
		found := false
		for row, jobs := range p.Rows {
			if row != name && !strings.HasSuffix(row, "."+name) {
				continue
			}
			found = true
			slices.Sort(jobs)
			if !slices.Equal(jobs, []string{"describe: done", "profile: done"}) {
				w.t.Errorf("panel row %s shows %v, want both jobs done", row, jobs)
			}
		}
		if !found {
			w.t.Errorf("the panel has no row for %s:\n%s", name, p.Text)
		}
	}
}
