package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lorehq/lore"
)

// Status is what `lore keys status` prints.
type Status struct {
	Provider  string      `json:"provider"`   // ProviderFile, …
	Source    string      `json:"source"`     // key file path, secret id or KMS key id
	ActiveKEK string      `json:"active_kek"` // kekRef new data keys are wrapped with
	KEKs      []string    `json:"keks"`       // kekRefs the provider holds
	DataKeys  []KeyStatus `json:"data_keys"`
}

// KeyStatus describes one data key. NeedsRewrap means it is not wrapped by the active KEK
// (rotate-kek did not finish); Values is how many stored values use it.
type KeyStatus struct {
	ID          string    `json:"id"`
	State       KeyState  `json:"state"`
	Provider    string    `json:"provider"`
	KEKRef      string    `json:"kek"`
	Created     time.Time `json:"created"`
	Values      int64     `json:"values"`
	NeedsRewrap bool      `json:"needs_rewrap"`
}

// Status returns the provider's KEKs and every data key with its usage. It reads only.
func (v *Vault) Status(ctx context.Context) (Status, error) {
	active, err := v.p.ActiveKEK(ctx)
	if err != nil {
		return Status{}, err
	}
	keks, err := v.p.KEKs(ctx)
	if err != nil {
		return Status{}, err
	}
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("list data keys: %w", err)
	}
	st := Status{Provider: v.p.Name(), Source: v.p.String(), ActiveKEK: active, KEKs: keks}
	for _, k := range keys {
		n, err := v.ks.CountSealed(ctx, k.ID)
		if err != nil {
			return Status{}, fmt.Errorf("count values of data key %s: %w", k.ID, err)
		}
		st.DataKeys = append(st.DataKeys, KeyStatus{ID: k.ID, State: k.State, Provider: k.Provider, KEKRef: k.KEKRef,
			Created: k.Created, Values: n, NeedsRewrap: k.State != KeyRetired && (k.KEKRef != active || k.Provider != v.p.Name())})
	}
	return st, nil
}

// VerifyReport is what `lore keys verify` prints. OK reports whether everything passed.
type VerifyReport struct {
	Keys       []KeyCheck `json:"keys"`
	Values     int        `json:"values"`      // sealed values checked
	Failed     int        `json:"failed"`      // values that did not open
	FailedRefs []string   `json:"failed_refs"` // their refs, at most 100; never contents
}

// KeyCheck is the result of unwrapping one data key and opening its canary.
type KeyCheck struct {
	ID      string `json:"id"`
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"` // the error message; holds no secret
}

// OK reports whether every key and every value checked opened.
func (r VerifyReport) OK() bool {
	for _, k := range r.Keys {
		if !k.OK {
			return false
		}
	}
	return r.Failed == 0
}

// Verify unwraps every data key that is not retired through the provider (bypassing the
// cache) and opens its canary; when r is not nil it also opens every sealed value. Problems go
// into the report; the error is for failures to read the key store. It writes nothing.
func (v *Vault) Verify(ctx context.Context, r Resealer) (VerifyReport, error) {
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("list data keys: %w", err)
	}
	var rep VerifyReport
	for _, k := range keys {
		if k.State == KeyRetired {
			continue
		}
		_, err := v.unwrapChecked(ctx, k)
		c := KeyCheck{ID: k.ID, OK: err == nil}
		if err != nil {
			c.Problem = lore.ErrorMessage(err)
		}
		rep.Keys = append(rep.Keys, c)
		if r == nil || err != nil {
			continue
		}
		err = walk(ctx, r, k.ID, 100, func(sv SealedValue) error {
			rep.Values++
			pt, err := v.Open(ctx, sv.Ciphertext, sv.AD)
			clear(pt)
			if err != nil {
				rep.Failed++
				if len(rep.FailedRefs) < 100 {
					rep.FailedRefs = append(rep.FailedRefs, sv.Ref)
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// walk calls fn for every value sealed under keyID, in batches of limit.
func walk(ctx context.Context, r Resealer, keyID string, limit int, fn func(SealedValue) error) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals, err := r.SealedValues(ctx, keyID, after, limit)
		if err != nil {
			return fmt.Errorf("list values sealed under data key %s: %w", keyID, err)
		}
		if len(vals) == 0 {
			return nil
		}
		for _, sv := range vals {
			if err := fn(sv); err != nil {
				return err
			}
			after = sv.Ref
		}
	}
}

// KEKRotation is the result of RotateKEK and RewrapDataKeys.
type KEKRotation struct {
	ActiveKEK string `json:"active_kek"`
	Rewrapped int    `json:"rewrapped"` // data keys rewrapped by this run
	Skipped   int    `json:"skipped"`   // changed by another process meanwhile
}

// RotateKEK makes the provider switch to a new KEK (Provider.RotateKEK; arg is the new KMS key
// id, or empty) and then rewraps every data key under it, as RewrapDataKeys. Stored values are
// not touched. If it stops half-way, RewrapDataKeys finishes the job; running RotateKEK again
// also works but adds yet another KEK. The store key is separate: call RewrapStoreKey too.
func (v *Vault) RotateKEK(ctx context.Context, arg string) (KEKRotation, error) {
	if _, err := v.p.RotateKEK(ctx, arg); err != nil {
		return KEKRotation{}, err
	}
	return v.RewrapDataKeys(ctx)
}

// RewrapDataKeys rewraps every data key that is not retired and not under the provider's
// active KEK, with a compare-and-swap per key; it is safe to run twice or concurrently.
func (v *Vault) RewrapDataKeys(ctx context.Context) (KEKRotation, error) {
	active, err := v.p.ActiveKEK(ctx)
	if err != nil {
		return KEKRotation{}, err
	}
	res := KEKRotation{ActiveKEK: active}
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return res, fmt.Errorf("list data keys: %w", err)
	}
	for _, k := range keys {
		if k.State == KeyRetired || (k.KEKRef == active && k.Provider == v.p.Name()) {
			continue
		}
		if _, err := v.unwrapChecked(ctx, k); err != nil {
			return res, err
		}
		plain, err := v.p.Unwrap(ctx, k.Wrapped, k.KEKRef, dekBind(k.ID))
		if err != nil {
			return res, prefixed(err, "Data key "+k.ID+": ")
		}
		wrapped, ref, err := v.p.Wrap(ctx, plain, dekBind(k.ID))
		clear(plain)
		if err != nil {
			return res, err
		}
		switch err := v.ks.UpdateWrapped(ctx, k.ID, k.Wrapped, wrapped, v.p.Name(), ref); {
		case errors.Is(err, ErrConflict):
			res.Skipped++
		case err != nil:
			return res, fmt.Errorf("store rewrapped data key %s: %w", k.ID, err)
		default:
			res.Rewrapped++
		}
	}
	return res, nil
}

// RotateDEKOptions configures RotateDEK.
type RotateDEKOptions struct {
	// Resume skips creating a new data key and only reseals values still under older keys
	// into the active one: the way to finish an interrupted rotation.
	Resume bool
	// BatchSize is how many values are read per SealedValues call; 0 means 100.
	BatchSize int
	// Progress, if set, is called after each value with the running totals.
	Progress func(DEKRotation)
}

// DEKRotation is the result of RotateDEK.
type DEKRotation struct {
	ActiveKey  string   `json:"active_key"`
	Created    bool     `json:"created"`     // a new data key was created by this run
	Resealed   int      `json:"resealed"`    // values moved to the active key
	Changed    int      `json:"changed"`     // values that changed meanwhile and were left alone
	Failed     int      `json:"failed"`      // values that did not open (left as they were)
	FailedRefs []string `json:"failed_refs"` // their refs, at most 100
}

// RotateDEK creates a new active data key (unless opts.Resume), demotes the old one to
// decrypt-only, and reseals every value under a decrypt-only key into the active key, each
// with a compare-and-swap so a value a user saves meanwhile wins. It is resumable and safe to
// run concurrently; values that fail to open are counted and left untouched. A second
// non-resume run racing with the first gets code conflict.
func (v *Vault) RotateDEK(ctx context.Context, r Resealer, opts RotateDEKOptions) (DEKRotation, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	var res DEKRotation
	cur, err := v.activeKey(ctx)
	if err != nil {
		return res, err
	}
	if !opts.Resume {
		k, aead, err := v.newDataKey(ctx)
		if err != nil {
			return res, err
		}
		switch err := v.ks.AddDataKey(ctx, k, cur.ID); {
		case errors.Is(err, ErrConflict):
			return res, fail(ErrConflict, lore.ECONFLICT,
				"The active data key changed while rotate-dek ran (another rotation?). Run `lore keys rotate-dek --resume`.")
		case err != nil:
			return res, fmt.Errorf("store new data key: %w", err)
		}
		v.put(k.ID, aead)
		cur, res.Created = k, true
	}
	res.ActiveKey = cur.ID
	active, err := v.key(ctx, cur.ID)
	if err != nil {
		return res, err
	}
	raw, err := keyIDBytes(cur.ID)
	if err != nil {
		return res, err
	}
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return res, fmt.Errorf("list data keys: %w", err)
	}
	for _, k := range keys {
		if k.State != KeyDecryptOnly {
			continue
		}
		err := walk(ctx, r, k.ID, opts.BatchSize, func(sv SealedValue) error {
			pt, err := v.Open(ctx, sv.Ciphertext, sv.AD)
			if err != nil {
				res.Failed++
				if len(res.FailedRefs) < 100 {
					res.FailedRefs = append(res.FailedRefs, sv.Ref)
				}
				return nil
			}
			ct, err := sealWith(active, raw, pt, sv.AD)
			clear(pt)
			if err != nil {
				return err
			}
			ok, err := r.ReplaceSealed(ctx, sv.Ref, sv.Ciphertext, ct)
			if err != nil {
				return fmt.Errorf("reseal %s: %w", sv.Ref, err)
			}
			if ok {
				res.Resealed++
			} else {
				res.Changed++
			}
			if opts.Progress != nil {
				opts.Progress(res)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// Retire marks a decrypt-only data key retired, after which nothing sealed under it opens. It
// fails with ErrKeyInUse (code conflict) while any value still uses it, with code invalid for
// the active key, and code not_found for an unknown id. Retiring a retired key is a no-op.
func (v *Vault) Retire(ctx context.Context, id string) error {
	keys, err := v.ks.DataKeys(ctx)
	if err != nil {
		return fmt.Errorf("list data keys: %w", err)
	}
	i := slices.IndexFunc(keys, func(k DataKey) bool { return k.ID == id })
	switch {
	case i < 0:
		return lore.Errorf(lore.ENOTFOUND, "No data key %q; `lore keys status` lists them.", id)
	case keys[i].State == KeyRetired:
		return nil
	case keys[i].State == KeyActive:
		return lore.Errorf(lore.EINVALID, "Data key %s is the active key; run `lore keys rotate-dek` first.", id)
	}
	n, err := v.ks.CountSealed(ctx, id)
	if err != nil {
		return fmt.Errorf("count values of data key %s: %w", id, err)
	}
	if n > 0 {
		return fail(ErrKeyInUse, lore.ECONFLICT,
			"Data key %s still protects %d stored values; run `lore keys rotate-dek --resume`, then retire it.", id, n)
	}
	if err := v.ks.RetireDataKey(ctx, id); err != nil {
		return fmt.Errorf("retire data key %s: %w", id, err)
	}
	v.forget(id)
	return nil
}
