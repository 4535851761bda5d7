package redshiftlocal

import (
	"sync"
	"time"
)

// rateLimits are the documented per-account transactions per second of the Data API. Other
// operations have no published limit and are not throttled.
var rateLimits = map[string]float64{
	"ExecuteStatement":   30,
	"GetStatementResult": 20,
	"DescribeStatement":  100,
}

// throttle is a token bucket per operation, each holding one second's worth of requests.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func newThrottle() *throttle {
	t := &throttle{buckets: map[string]*bucket{}}
	for op, r := range rateLimits {
		t.buckets[op] = &bucket{rate: r, tokens: r}
	}
	return t
}

// allow takes a token for op at now and reports whether one was available.
func (t *throttle) allow(op string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[op]
	if b == nil {
		return true
	}
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.rate {
			b.tokens = b.rate
		}
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
