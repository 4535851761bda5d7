package redshiftlocal

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Statement statuses, as the Data API spells them.
const (
	statusSubmitted = "SUBMITTED"
	statusPicked    = "PICKED"
	statusStarted   = "STARTED"
	statusFinished  = "FINISHED"
	statusFailed    = "FAILED"
	statusAborted   = "ABORTED"
)

// idPattern is the documented pattern of statement ids, sub-statement suffix included.
var idPattern = regexp.MustCompile(`^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d{0,2})?$`)

const idPatternText = `[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d{0,2})?`

// clientTokenTTL is how long a ClientToken maps to its statement.
const clientTokenTTL = 8 * time.Hour

// target is where and as whom a statement or catalog call runs.
type target struct {
	Cluster   string
	Workgroup string
	Database  string
	DbUser    string // as reported back to the caller
	Role      string // the PostgreSQL role the session switches to
	SecretArn string
}

// statement is one submitted statement, or one sub-statement of a batch. Every mutable field is
// guarded by the store's mutex.
type statement struct {
	id        string
	parent    *statement
	subs      []*statement
	sql       string
	params    []sqlParameter
	name      string
	target    target
	createdAt time.Time
	updatedAt time.Time
	startedAt time.Time
	status    string
	errText   string
	hasResult bool
	rows      int64
	size      int64
	duration  int64
	pid       uint32
	queryID   int64
	result    *result
	cancel    context.CancelFunc
	aborted   bool
}

// result is a statement's kept result set.
type result struct {
	columns []columnMetadata
	rows    []json.RawMessage // each a JSON array of Field objects
	bytes   int64
}

func (st *statement) terminal() bool {
	return st.status == statusFinished || st.status == statusFailed || st.status == statusAborted
}

type tokenEntry struct {
	st *statement
	at time.Time
}

// store keeps statements in memory for the retention period, bounded in result bytes.
type store struct {
	mu        sync.Mutex
	byID      map[string]*statement
	order     []*statement
	tokens    map[string]tokenEntry
	retention time.Duration
	maxBytes  int64
	bytes     int64
}

func newStore(retention time.Duration, maxBytes int64) *store {
	return &store{byID: map[string]*statement{}, tokens: map[string]tokenEntry{}, retention: retention, maxBytes: maxBytes}
}

// byToken returns the statement an earlier request with the same ClientToken created.
func (s *store) byToken(key string, now time.Time) *statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.tokens[key]
	if !ok || now.Sub(e.at) > clientTokenTTL || s.byID[e.st.id] == nil {
		return nil
	}
	return e.st
}

// add keeps a new top-level statement, remembering its client token when there is one.
func (s *store) add(st *statement, tokenKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[st.id] = st
	s.order = append(s.order, st)
	if tokenKey != "" {
		s.tokens[tokenKey] = tokenEntry{st: st, at: st.createdAt}
	}
}

// active counts top-level statements that have not ended.
func (s *store) active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.order {
		if !st.terminal() {
			n++
		}
	}
	return n
}

// lookup finds a statement or sub-statement ("<id>:<n>") by id; the caller holds s.mu.
func (s *store) lookup(id string) *statement {
	base, sub, isSub := strings.Cut(id, ":")
	st := s.byID[base]
	if st == nil || !isSub {
		return st
	}
	n, err := strconv.Atoi(sub)
	if err != nil || n < 1 || n > len(st.subs) {
		return nil
	}
	return st.subs[n-1]
}

// find validates id and returns its statement, or the exception AWS sends.
func (s *store) find(id string) (*statement, error) {
	if !idPattern.MatchString(id) {
		return nil, validationf("id must satisfy regex pattern: %s", idPatternText)
	}
	s.mu.Lock()
	st := s.lookup(id)
	s.mu.Unlock()
	if st == nil {
		return nil, notFoundQuery(id)
	}
	return st, nil
}

// keepResult charges a finished result against the byte budget, evicting the oldest ended
// statements while the total is over it.
func (s *store) keepResult(st *statement, r *result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.result = r
	s.bytes += r.bytes
	for s.bytes > s.maxBytes {
		victim := -1
		for i, o := range s.order {
			if o.terminal() && o != st.top() {
				victim = i
				break
			}
		}
		if victim < 0 {
			return
		}
		s.remove(victim)
	}
}

func (st *statement) top() *statement {
	if st.parent != nil {
		return st.parent
	}
	return st
}

// remove drops s.order[i]; the caller holds s.mu.
func (s *store) remove(i int) {
	st := s.order[i]
	s.order = append(s.order[:i], s.order[i+1:]...)
	delete(s.byID, st.id)
	for _, o := range append([]*statement{st}, st.subs...) {
		if o.result != nil {
			s.bytes -= o.result.bytes
			o.result = nil
		}
	}
}

// expire drops ended statements older than the retention period and stale client tokens.
func (s *store) expire(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < len(s.order); {
		st := s.order[i]
		if st.terminal() && now.Sub(st.createdAt) > s.retention {
			s.remove(i)
			continue
		}
		i++
	}
	for k, e := range s.tokens {
		if now.Sub(e.at) > clientTokenTTL || s.byID[e.st.id] == nil {
			delete(s.tokens, k)
		}
	}
}

// list returns top-level statements, newest first, that keep reports true for.
func (s *store) list(keep func(*statement) bool) []*statement {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*statement
	for i := len(s.order) - 1; i >= 0; i-- {
		if keep(s.order[i]) {
			out = append(out, s.order[i])
		}
	}
	return out
}
