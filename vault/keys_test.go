package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lorehq/lore"
)

// seed stores n sealed values in ks and returns their plaintexts by ref.
func seed(t *testing.T, v *Vault, ks *MemKeyStore, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		ref := fmt.Sprintf("connections/%04d/password", i)
		ad := AD{Table: "connections", RecordID: fmt.Sprintf("%04d", i), Field: "password"}
		ct, err := v.Seal(t.Context(), []byte("pw-"+ref), ad)
		if err != nil {
			t.Fatal(err)
		}
		ks.PutSealed(ref, ad, ct)
		want[ref] = "pw-" + ref
	}
	return want
}

// checkAll opens every stored value and compares it with want.
func checkAll(t *testing.T, v *Vault, ks *MemKeyStore, want map[string]string) {
	t.Helper()
	for ref, pt := range want {
		sv, _ := ks.Sealed(ref)
		got, err := v.Open(t.Context(), sv.Ciphertext, sv.AD)
		if err != nil || string(got) != pt {
			t.Fatalf("%s opens to %q, %v; want %q", ref, got, err, pt)
		}
	}
}

func TestRotateKEKFile(t *testing.T) {
	t.Parallel()
	v, p, ks := setup(t)
	ctx := t.Context()
	want := seed(t, v, ks, 5)
	old, _ := p.ActiveKEK(ctx)
	res, err := v.RotateKEK(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.ActiveKEK == old || res.Rewrapped != 1 {
		t.Fatalf("RotateKEK = %+v; want a new KEK and one rewrap", res)
	}
	st, _ := v.Status(ctx)
	if len(st.KEKs) != 2 || st.DataKeys[0].KEKRef != res.ActiveKEK || st.DataKeys[0].NeedsRewrap {
		t.Fatalf("status = %+v", st)
	}
	// A fresh process with the rotated key file opens everything.
	v2, err := Open(ctx, newFileProvider(t, dirOf(p)), ks, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkAll(t, v2, ks, want)
	if again, _ := v.RewrapDataKeys(ctx); again.Rewrapped != 0 {
		t.Fatalf("second rewrap did %d", again.Rewrapped)
	}
}

func dirOf(p *FileProvider) string { return p.Path()[:len(p.Path())-len(KeyFileName)-1] }

// Fault 8: rotate-kek interrupted after the provider rotated but before the rewrap.
func TestRewrapDataKeysResumes(t *testing.T) {
	t.Parallel()
	v, p, ks := setup(t)
	ctx := t.Context()
	v.RotateDEK(ctx, ks, RotateDEKOptions{}) // two data keys
	if _, err := p.RotateKEK(ctx, ""); err != nil {
		t.Fatal(err)
	}
	st, _ := v.Status(ctx)
	if !st.DataKeys[0].NeedsRewrap || !st.DataKeys[1].NeedsRewrap {
		t.Fatalf("status after interrupted rotation = %+v", st.DataKeys)
	}
	res, err := v.RewrapDataKeys(ctx)
	if err != nil || res.Rewrapped != 2 {
		t.Fatalf("RewrapDataKeys = %+v, %v", res, err)
	}
	if rep, err := v.Verify(ctx, ks); err != nil || !rep.OK() {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

// failingResealer stops after n successful replacements, like a killed process.
type failingResealer struct {
	*MemKeyStore
	left atomic.Int32
}

func (f *failingResealer) ReplaceSealed(ctx context.Context, ref string, old, new []byte) (bool, error) {
	if f.left.Add(-1) < 0 {
		return false, errors.New("killed")
	}
	return f.MemKeyStore.ReplaceSealed(ctx, ref, old, new)
}

// Fault 8: rotate-dek killed after N rows; every row still opens; the rerun finishes; the old
// key cannot be retired until then.
func TestRotateDEKInterruptedAndResumed(t *testing.T) {
	t.Parallel()
	v, _, ks := setup(t)
	ctx := t.Context()
	want := seed(t, v, ks, 25)
	keys, _ := ks.DataKeys(ctx)
	oldID := keys[0].ID
	fr := &failingResealer{MemKeyStore: ks}
	fr.left.Store(10)
	res, err := v.RotateDEK(ctx, fr, RotateDEKOptions{BatchSize: 4})
	if err == nil || res.Resealed != 10 || !res.Created {
		t.Fatalf("interrupted RotateDEK = %+v, %v", res, err)
	}
	checkAll(t, v, ks, want)
	err = v.Retire(ctx, oldID)
	wantErr(t, err, ErrKeyInUse, lore.ECONFLICT)
	res, err = v.RotateDEK(ctx, ks, RotateDEKOptions{Resume: true, BatchSize: 4})
	if err != nil || res.Resealed != 15 || res.Created {
		t.Fatalf("resumed RotateDEK = %+v, %v", res, err)
	}
	if n, _ := ks.CountSealed(ctx, oldID); n != 0 {
		t.Fatalf("%d values still under the old key", n)
	}
	checkAll(t, v, ks, want)
	if err := v.Retire(ctx, oldID); err != nil {
		t.Fatal(err)
	}
	st, _ := v.Status(ctx)
	if st.DataKeys[0].State != KeyRetired || st.DataKeys[1].State != KeyActive || st.DataKeys[1].Values != 25 {
		t.Fatalf("status = %+v", st.DataKeys)
	}
}

// Fault 9: concurrent rotations and a user editing values mid-rotation: the user's values
// survive, every value ends under the active key, nothing is lost.
func TestRotateDEKConcurrentWithEdits(t *testing.T) {
	t.Parallel()
	v, p, ks := setup(t)
	ctx := t.Context()
	want := seed(t, v, ks, 60)
	v2, err := Open(ctx, p, ks, Options{}) // a second process
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.RotateDEK(ctx, &failingResealer{MemKeyStore: ks}, RotateDEKOptions{}); err == nil {
		t.Fatal("a rotation with a dead resealer reported success")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, vv := range []*Vault{v, v2, v} {
		wg.Go(func() {
			if _, err := vv.RotateDEK(ctx, ks, RotateDEKOptions{Resume: true, BatchSize: 3}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() { // the user saves new secrets meanwhile
		for i := 0; i < 60; i += 3 {
			ref := fmt.Sprintf("connections/%04d/password", i)
			sv, _ := ks.Sealed(ref)
			ct, err := v2.Seal(ctx, []byte("edited-"+ref), sv.AD)
			if err != nil {
				t.Error(err)
				return
			}
			ks.PutSealed(ref, sv.AD, ct)
			mu.Lock()
			want[ref] = "edited-" + ref
			mu.Unlock()
		}
	})
	wg.Wait()
	checkAll(t, v, ks, want)
	keys, _ := ks.DataKeys(ctx)
	if n, _ := ks.CountSealed(ctx, keys[0].ID); n != 0 {
		t.Fatalf("%d values left under the old key", n)
	}
	// Two non-resume rotations racing: exactly one creates a key.
	var conflicts atomic.Int32
	for range 2 {
		wg.Go(func() {
			_, err := v.RotateDEK(ctx, ks, RotateDEKOptions{})
			if errors.Is(err, ErrConflict) {
				conflicts.Add(1)
			} else if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keys, _ = ks.DataKeys(ctx)
	active := slices.IndexFunc(keys, func(k DataKey) bool { return k.State == KeyActive })
	if active < 0 || slices.ContainsFunc(keys[active+1:], func(k DataKey) bool { return k.State == KeyActive }) {
		t.Fatalf("not exactly one active key: %+v", keys)
	}
	if len(keys)-2 != 2-int(conflicts.Load()) {
		t.Fatalf("%d keys after %d conflicts", len(keys), conflicts.Load())
	}
}

func TestRetireRules(t *testing.T) {
	t.Parallel()
	v, _, ks := setup(t)
	ctx := t.Context()
	keys, _ := ks.DataKeys(ctx)
	first := keys[0].ID
	if err := v.Retire(ctx, first); lore.ErrorCode(err) != lore.EINVALID {
		t.Fatalf("retire active key: %v", err)
	}
	if err := v.Retire(ctx, "0000000000000000"); lore.ErrorCode(err) != lore.ENOTFOUND {
		t.Fatalf("retire unknown key: %v", err)
	}
	ad := AD{Table: "t", RecordID: "1", Field: "f"}
	ct, _ := v.Seal(ctx, []byte("old"), ad)
	if _, err := v.RotateDEK(ctx, ks, RotateDEKOptions{}); err != nil {
		t.Fatal(err)
	}
	// The value was never stored, so nothing references the old key: retire it.
	if err := v.Retire(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := v.Retire(ctx, first); err != nil {
		t.Fatalf("retiring twice: %v", err)
	}
	_, err := v.Open(ctx, ct, ad)
	wantErr(t, err, ErrKeyRetired, lore.EINTERNAL)
	// A restart skips the retired key and still starts.
	if _, err := Open(ctx, v.p, ks, Options{}); err != nil {
		t.Fatal(err)
	}
}
