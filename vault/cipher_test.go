package vault

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/lorehq/lore"
)

var testAD = AD{Table: "connections", RecordID: "7c0e9a4e-1d2b-4c55-9a11-3b2f0d6e8a10", Field: "secret_access_key"}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	v, _, _ := setup(t)
	ctx := t.Context()
	for _, pt := range [][]byte{{}, []byte("x"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), bytes.Repeat([]byte{0xff}, MaxPlaintext)} {
		ct, err := v.Seal(ctx, pt, testAD)
		if err != nil {
			t.Fatalf("Seal(%d bytes): %v", len(pt), err)
		}
		if len(ct) != len(pt)+Overhead {
			t.Fatalf("len = %d, want %d", len(ct), len(pt)+Overhead)
		}
		if len(pt) > 8 && bytes.Contains(ct, pt[:8]) {
			t.Fatal("ciphertext contains plaintext")
		}
		got, err := v.Open(ctx, ct, testAD)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open = %d bytes, %v; want %d bytes", len(got), err, len(pt))
		}
	}
	_, err := v.Seal(ctx, make([]byte, MaxPlaintext+1), testAD)
	wantErr(t, err, ErrTooLarge, lore.EINVALID)
}

func TestSealUsesFreshNonce(t *testing.T) {
	t.Parallel()
	v, _, _ := setup(t)
	a, _ := v.Seal(t.Context(), []byte("same"), testAD)
	b, _ := v.Seal(t.Context(), []byte("same"), testAD)
	if bytes.Equal(a[headerSize:headerSize+nonceSize], b[headerSize:headerSize+nonceSize]) || bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext share a nonce")
	}
}

// Fault 1: every flipped bit position and every truncation fails, with no plaintext.
func TestOpenRejectsTamperedAndTruncated(t *testing.T) {
	t.Parallel()
	v, _, _ := setup(t)
	ctx := t.Context()
	ct, err := v.Seal(ctx, []byte("hunter2-canary-0b7f"), testAD)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		pt, err := v.Open(ctx, bad, testAD)
		if err == nil || pt != nil {
			t.Fatalf("flipping byte %d: Open = %q, %v", i, pt, err)
		}
		if i == 0 {
			wantErr(t, err, ErrUnsupportedFormat, lore.EINVALID)
		}
	}
	for n := range len(ct) {
		pt, err := v.Open(ctx, ct[:n], testAD)
		if err == nil || pt != nil {
			t.Fatalf("truncated to %d: Open = %q, %v", n, pt, err)
		}
	}
	_, err = v.Open(ctx, append(bytes.Clone(ct), 0), testAD)
	wantErr(t, err, ErrDecrypt, lore.EINTERNAL)
}

// Fault 2: a ciphertext copied to another record, field or table does not open.
func TestOpenRejectsSwappedCiphertext(t *testing.T) {
	t.Parallel()
	v, _, _ := setup(t)
	ctx := t.Context()
	ct, _ := v.Seal(ctx, []byte("A's secret"), testAD)
	for _, ad := range []AD{
		{Table: testAD.Table, RecordID: "another-record", Field: testAD.Field},
		{Table: testAD.Table, RecordID: testAD.RecordID, Field: "access_key_id"},
		{Table: "personas", RecordID: testAD.RecordID, Field: testAD.Field},
		{Table: testAD.Table + testAD.RecordID[:1], RecordID: testAD.RecordID[1:], Field: testAD.Field},
	} {
		_, err := v.Open(ctx, ct, ad)
		wantErr(t, err, ErrDecrypt, lore.EINTERNAL)
	}
}

// Fault 3 at runtime: a ciphertext from another install (another data key) does not open.
func TestOpenRejectsOtherInstall(t *testing.T) {
	t.Parallel()
	v1, _, _ := setup(t)
	v2, _, _ := setup(t)
	ct, _ := v1.Seal(t.Context(), []byte("x"), testAD)
	_, err := v2.Open(t.Context(), ct, testAD)
	wantErr(t, err, ErrKeyNotFound, lore.EINTERNAL)
	// Same key id, other key: rewrite the header of v2's own ciphertext shape.
	ct2, _ := v2.Seal(t.Context(), []byte("x"), testAD)
	copy(ct[1:headerSize], ct2[1:headerSize])
	_, err = v2.Open(t.Context(), ct, testAD)
	wantErr(t, err, ErrDecrypt, lore.EINTERNAL)
}

// A frozen version-1 ciphertext must open forever (format compatibility).
func TestOpenFrozenV1(t *testing.T) {
	t.Parallel()
	key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	frozen, _ := hex.DecodeString(frozenV1)
	aead, err := newGCM(key)
	if err != nil {
		t.Fatal(err)
	}
	id, err := KeyIDOf(frozen)
	if err != nil || id != "a1b2c3d4e5f60718" {
		t.Fatalf("KeyIDOf = %q, %v", id, err)
	}
	pt, err := openWith(aead, frozen, testAD)
	if err != nil || string(pt) != "frozen secret" {
		t.Fatalf("open frozen = %q, %v", pt, err)
	}
}

// frozenV1 is "frozen secret" sealed for testAD under key 00 01 … 1f with key id a1b2c3d4e5f60718.
const frozenV1 = "01a1b2c3d4e5f60718" + "86e99b17b8ae756e1a16bb53e5bd2881" + "5fec3fd8e1bb25c0c74e088f51ff8f7149f430aa335b6cd8e8"

func FuzzOpen(f *testing.F) {
	p, err := OpenFileProvider(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	ks := NewMemKeyStore()
	v, err := Open(f.Context(), p, ks, Options{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := v.Seal(f.Context(), []byte("fuzz plaintext"), testAD)
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{formatV1})
	f.Add(good[:minCTSize])
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := v.Open(t.Context(), ct, testAD)
		if bytes.Equal(ct, good) {
			if err != nil || string(pt) != "fuzz plaintext" {
				t.Fatalf("good ciphertext: %q, %v", pt, err)
			}
			return
		}
		if err == nil || pt != nil {
			t.Fatalf("modified ciphertext opened: %q", pt)
		}
		if _, kerr := KeyIDOf(ct); kerr == nil && len(ct) < minCTSize {
			t.Fatalf("KeyIDOf accepted %d bytes", len(ct))
		}
	})
}
