package web

import (
	"math"
	"sync"
	"time"
)

// LoginLimits configures login throttling. After Failures wrong attempts within Window, the
// account (or IP) is locked for Lockout; every further lock-out before the record expires
// doubles it, up to MaxLockout. Nothing is locked for good: records expire Window after the
// last lock-out ends, and a successful sign-in clears the account's record.
type LoginLimits struct {
	AccountFailures int
	IPFailures      int
	Window          time.Duration
	Lockout         time.Duration
	MaxLockout      time.Duration
}

// DefaultLoginLimits: 10 failures per account and 50 per IP address in 15 minutes; lock-outs
// of 1 minute doubling to at most 15.
var DefaultLoginLimits = LoginLimits{
	AccountFailures: 10,
	IPFailures:      50,
	Window:          15 * time.Minute,
	Lockout:         time.Minute,
	MaxLockout:      15 * time.Minute,
}

func (l LoginLimits) withDefaults() LoginLimits {
	d := DefaultLoginLimits
	if l.AccountFailures > 0 {
		d.AccountFailures = l.AccountFailures
	}
	if l.IPFailures > 0 {
		d.IPFailures = l.IPFailures
	}
	if l.Window > 0 {
		d.Window = l.Window
	}
	if l.Lockout > 0 {
		d.Lockout = l.Lockout
	}
	if l.MaxLockout > 0 {
		d.MaxLockout = l.MaxLockout
	}
	if d.MaxLockout < d.Lockout {
		d.MaxLockout = d.Lockout
	}
	return d
}

// throttle counts failures per key (an e-mail or an IP address) in memory.
type throttle struct {
	mu      sync.Mutex
	max     int
	limits  LoginLimits
	now     func() time.Time
	records map[string]*failures
}

type failures struct {
	count       int
	first       time.Time // first failure counted in the current window
	lockouts    int
	lockedUntil time.Time
}

// maxRecords bounds memory under a spray of distinct keys; expired records are swept first.
const maxRecords = 100_000

func newThrottle(max int, limits LoginLimits, now func() time.Time) *throttle {
	return &throttle{max: max, limits: limits, now: now, records: map[string]*failures{}}
}

// wait returns how long key must wait before trying again; 0 means it may try now.
func (t *throttle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.records[key]
	if f == nil {
		return 0
	}
	if d := f.lockedUntil.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// fail records a failure for key and returns the lock-out it caused, or 0.
func (t *throttle) fail(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.records[key]
	if f == nil || t.expired(f, now) {
		if len(t.records) >= maxRecords {
			t.sweep(now)
		}
		f = &failures{first: now}
		t.records[key] = f
	} else if now.Sub(f.first) > t.limits.Window {
		f.count, f.first = 0, now
	}
	f.count++
	if f.count < t.max {
		return 0
	}
	f.count = 0
	f.lockouts++
	lock := t.limits.Lockout * time.Duration(math.Pow(2, float64(min(f.lockouts-1, 20))))
	lock = min(lock, t.limits.MaxLockout)
	f.lockedUntil = now.Add(lock)
	f.first = f.lockedUntil
	return lock
}

// reset forgets key, after a successful sign-in.
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.records, key)
}

// expired reports whether f no longer matters: unlocked and quiet for a whole window.
func (t *throttle) expired(f *failures, now time.Time) bool {
	last := f.first
	if f.lockedUntil.After(last) {
		last = f.lockedUntil
	}
	return now.After(f.lockedUntil) && now.Sub(last) > t.limits.Window
}

func (t *throttle) sweep(now time.Time) {
	for k, f := range t.records {
		if t.expired(f, now) {
			delete(t.records, k)
		}
	}
	// Still full: drop arbitrary unlocked records rather than grow without bound, down to 90%
	// so that the next sweep is not on the very next request.
	for k, f := range t.records {
		if len(t.records) < maxRecords*9/10 {
			break
		}
		if !now.Before(f.lockedUntil) {
			delete(t.records, k)
		}
	}
}

// retrySeconds rounds d up to whole seconds for Retry-After.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
