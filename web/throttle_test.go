package web

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottleLocksOutAndExpires(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	limits := LoginLimits{Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: 4 * time.Minute}.withDefaults()
	th := newThrottle(3, limits, clock.Now)

	// Each full round of failures locks for twice as long, up to MaxLockout.
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
		if d := th.fail("k"); d != 0 {
			t.Fatalf("round %d: first failure locked for %v", i, d)
		}
		th.fail("k")
		if d := th.fail("k"); d != want {
			t.Fatalf("round %d: lock-out %v, want %v", i, d, want)
		}
		if d := th.wait("k"); d != want {
			t.Fatalf("round %d: wait %v, want %v", i, d, want)
		}
		if d := th.wait("other"); d != 0 {
			t.Fatalf("another key waits %v", d)
		}
		clock.Add(want)
		if d := th.wait("k"); d != 0 {
			t.Fatalf("round %d: still locked %v after the lock-out", i, d)
		}
	}

	// After a quiet window the record is gone: the next lock-out is short again.
	clock.Add(limits.Window + time.Second)
	th.fail("k")
	th.fail("k")
	if d := th.fail("k"); d != time.Minute {
		t.Fatalf("lock-out after a quiet window %v, want 1m", d)
	}

	// Failures spread wider than the window never lock.
	clock.Add(time.Hour)
	for range 10 {
		if d := th.fail("slow"); d != 0 {
			t.Fatalf("slow failures locked for %v", d)
		}
		clock.Add(8 * time.Minute)
	}

	// reset forgets a key.
	th.fail("r")
	th.fail("r")
	th.reset("r")
	if d := th.fail("r"); d != 0 {
		t.Fatalf("failure after reset locked for %v", d)
	}
}

func TestThrottleBoundsMemory(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	th := newThrottle(5, DefaultLoginLimits, clock.Now)
	for i := range maxRecords + 10 {
		th.fail(strconv.Itoa(i) + "@x")
	}
	if n := len(th.records); n > maxRecords {
		t.Fatalf("%d records, want at most %d", n, maxRecords)
	}
}

func TestRetrySeconds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {time.Minute, 60}} {
		if got := retrySeconds(c.d); got != c.want {
			t.Errorf("retrySeconds(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                    "/connections",
		"/teams":              "/teams",
		"/teams/1?x=y":        "/teams/1?x=y",
		"//evil.example":      "/connections",
		"/\\evil.example":     "/connections",
		"https://evil.com/":   "/connections",
		"javascript:alert(1)": "/connections",
		"/a\r\nSet-Cookie: x": "/connections",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
