package describe

import (
	"sync"

	"github.com/lorehq/lore"
)

// Fallback is a Describer that uses Primary (an AI provider) until the provider rejects
// Lore's settings (IsConfigError: a wrong API key, no access to the model), then uses
// Secondary (the heuristic describer) for this and every later table. Results written by
// Secondary carry FallbackReason so the portal can say why the text is heuristic. The
// rejection is kept for the caller to report once (Failure). Transient errors are returned
// unchanged so the job retries later.
type Fallback struct {
	Primary   Describer
	Secondary Describer

	mu      sync.Mutex
	failure error
}

// NewFallback returns a Fallback from primary to secondary.
func NewFallback(primary, secondary Describer) *Fallback {
	return &Fallback{Primary: primary, Secondary: secondary}
}

// Name returns the primary's name while it is in use, else the secondary's.
func (f *Fallback) Name() string {
	if f.Failure() != nil {
		return f.Secondary.Name()
	}
	return f.Primary.Name()
}

// Failure returns the configuration error that switched f to the secondary, or nil.
func (f *Fallback) Failure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failure
}

// Describe asks the primary, or the secondary once the primary has been rejected.
func (f *Fallback) Describe(ctx lore.Context, req Request) (Result, error) {
	if err := f.Failure(); err != nil {
		return f.secondary(ctx, req, err)
	}
	res, err := f.Primary.Describe(ctx, req)
	if err == nil || !IsConfigError(err) {
		return res, err
	}
	f.mu.Lock()
	if f.failure == nil {
		f.failure = err
	}
	f.mu.Unlock()
	return f.secondary(ctx, req, err)
}

func (f *Fallback) secondary(ctx lore.Context, req Request, cause error) (Result, error) {
	res, err := f.Secondary.Describe(ctx, req)
	if err != nil {
		return res, err
	}
	res.FallbackReason = lore.ErrorMessage(cause)
	return res, nil
}
